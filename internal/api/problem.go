package api

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// FieldError is one problem with one field of a request.
type FieldError struct {
	Field   string `json:"field" doc:"The JSON path of the field, e.g. \"name\" or \"registration.date\" or \"items[2].email\"; for an uploaded file, the column."`
	Message string `json:"message" doc:"What is wrong, in the language of the request."`
	Row     int    `json:"row,omitempty" doc:"The row of an uploaded file, counting the header as row 1."`
}

// Problem is an RFC 9457 problem details object.
type Problem struct {
	Type   string       `json:"type,omitempty" doc:"A URI identifying the kind of problem; absent means about:blank."`
	Title  string       `json:"title" doc:"A short summary of the kind of problem, in the language of the request."`
	Status int          `json:"status" doc:"The HTTP status code."`
	Detail string       `json:"detail,omitempty" doc:"An explanation of this occurrence, in the language of the request."`
	Errors []FieldError `json:"errors,omitempty" doc:"The fields that were wrong."`
}

// WriteProblem writes p as application/problem+json with status p.Status
// (500 when zero). An empty Title becomes the status text.
func WriteProblem(w http.ResponseWriter, p Problem) {
	if p.Status == 0 {
		p.Status = http.StatusInternalServerError
	}
	if p.Title == "" {
		p.Title = statusText(p.Status)
	}
	b, err := json.Marshal(p)
	if err != nil { // strings and ints only: cannot happen
		panic(fmt.Errorf("api: WriteProblem: %w", err))
	}
	write(w, p.Status, "application/problem+json; charset=utf-8", b)
}

// WriteJSON writes v as application/json with the given status. For 204 and
// 304 it writes only the status. v is encoded before anything is written;
// when that fails (a NaN, a cycle, a failing MarshalJSON) WriteJSON panics
// with the error, so that the recovery middleware logs it and answers 500.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	if status == http.StatusNoContent || status == http.StatusNotModified {
		w.WriteHeader(status)
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Errorf("api: WriteJSON %T: %w", v, err))
	}
	write(w, status, "application/json; charset=utf-8", b)
}

func write(w http.ResponseWriter, status int, contentType string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}
