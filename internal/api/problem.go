package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
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
	b := getBuf()
	defer putBuf(b)
	if err := json.NewEncoder(b).Encode(p); err != nil { // strings and ints only: cannot happen
		panic(fmt.Errorf("api: WriteProblem: %w", err))
	}
	write(w, p.Status, "application/problem+json; charset=utf-8", b.Bytes())
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
	b := getBuf()
	defer putBuf(b)
	if err := json.NewEncoder(b).Encode(v); err != nil {
		panic(fmt.Errorf("api: WriteJSON %T: %w", v, err))
	}
	write(w, status, "application/json; charset=utf-8", b.Bytes())
}

// write sends body, which ends with its newline, with its length: in one
// write, so that net/http sends no chunk framing and no closing chunk —
// one system call less for every answer over 2 KiB.
func write(w http.ResponseWriter, status int, contentType string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(body)
}

// bufs holds the buffers answers are encoded into, as the page renderer
// keeps its own: a list page's answer is otherwise allocated twice over
// (the encoding, then a copy with the newline), a third of what such a
// request allocates.
var bufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuf() *bytes.Buffer {
	b := bufs.Get().(*bytes.Buffer)
	b.Reset()
	return b
}

// putBuf keeps b for the next answer unless an export made it large.
func putBuf(b *bytes.Buffer) {
	if b.Cap() <= 1<<20 {
		bufs.Put(b)
	}
}
