package web

import (
	"bytes"
	"errors"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/ortaq/ortaq/internal/errs"
)

type part struct{ name, file, data string }

func multipartRequest(t *testing.T, parts ...part) *http.Request {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, p := range parts {
		var w interface{ Write([]byte) (int, error) }
		var err error
		if p.file != "" {
			w, err = mw.CreateFormFile(p.name, p.file)
		} else {
			w, err = mw.CreateFormField(p.name)
		}
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(p.data))
	}
	mw.Close()
	r := httptest.NewRequest("POST", "/api/v1/things", &b)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return r
}

// An API request as JSON plus files: the JSON decoded as strictly as a
// body, the files as declared, and everything else a named field error.
func TestDecodeMultipart(t *testing.T) {
	s := pagesServer(t, fstest.MapFS{})
	type in struct {
		Title string `json:"title"`
	}
	photo := FileParts{Name: "photo", Limit: 10}
	one := FileParts{Name: "attachment", Limit: 10, Max: 1}

	var v in
	r := multipartRequest(t, part{"thing", "", `{"title":"Той"}`}, part{"photo", "a.jpg", "aaa"}, part{"photo", "b.jpg", strings.Repeat("b", 20)})
	if !IsMultipart(r) {
		t.Fatal("IsMultipart: false for multipart/form-data")
	}
	files, err := s.DecodeMultipart(r, "thing", &v, photo, one)
	if err != nil || v.Title != "Той" || len(files) != 2 {
		t.Fatalf("got %+v, %d files, %v", v, len(files), err)
	}
	if f := files[1]; f.Part != "photo" || f.Name != "b.jpg" || len(f.Data) != 11 {
		t.Fatalf("a file over the limit is read to limit+1 bytes for the service to refuse by name: %q %q %d bytes", f.Part, f.Name, len(f.Data))
	}

	fieldErr := func(t *testing.T, err error, field, key string) {
		t.Helper()
		var e *errs.Error
		if !errors.As(err, &e) {
			t.Fatalf("want a field error on %s, got %v", field, err)
		}
		for _, f := range e.Fields {
			if f.Name == field && f.Key == key {
				return
			}
		}
		t.Fatalf("want %s: %s, got %+v", field, key, e.Fields)
	}
	_, err = s.DecodeMultipart(multipartRequest(t, part{"photo", "a.jpg", "a"}), "thing", &v, photo)
	fieldErr(t, err, "thing", "validation.required")
	_, err = s.DecodeMultipart(multipartRequest(t, part{"thing", "", `{}`}, part{"secret", "", "x"}), "thing", &v, photo)
	fieldErr(t, err, "secret", "validation.unknown_field")
	_, err = s.DecodeMultipart(multipartRequest(t, part{"thing", "", `{}`}, part{"attachment", "a", "1"}, part{"attachment", "b", "2"}), "thing", &v, one)
	fieldErr(t, err, "attachment", "validation.unknown_field")
	_, err = s.DecodeMultipart(multipartRequest(t, part{"thing", "", `{"title":"x","extra":1}`}), "thing", &v)
	fieldErr(t, err, "extra", "validation.unknown_field")

	r = multipartRequest(t, part{"thing", "", `{"title":"x"}`}, part{"photo", "a.jpg", strings.Repeat("a", 4096)})
	r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 1024)
	_, err = s.DecodeMultipart(r, "thing", &v, photo)
	if e, ok := err.(*errs.Error); !ok || e.Code != errs.TooLarge {
		t.Fatalf("a body over the server's limit: want 413, got %v", err)
	}
	r = httptest.NewRequest("POST", "/api/v1/things", strings.NewReader("{}"))
	r.Header.Set("Content-Type", "application/json")
	if IsMultipart(r) {
		t.Fatal("IsMultipart: true for JSON")
	}
	if _, err := s.DecodeMultipart(r, "thing", &v); err == nil {
		t.Fatal("a JSON body read as multipart: no error")
	}
}
