package web

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/errs"
)

// IsMultipart says whether r's body is multipart/form-data.
func IsMultipart(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "multipart/form-data"
}

// FileParts says which file parts DecodeMultipart takes: those named
// Name, at most Max of them (0: any number), each read up to Limit+1
// bytes so that the service can refuse one that is too large by name.
type FileParts struct {
	Name  string
	Limit int64
	Max   int
}

// File is a file part DecodeMultipart read.
type File struct {
	Part string // the part's form name
	Name string // the file's name as sent
	Data []byte
}

// DecodeMultipart reads an API request sent as multipart/form-data: the
// part jsonPart holds the JSON body, decoded into in as strictly as a JSON
// body (Decode), and the file parts are read as files says. A missing JSON
// part, a part of another name or one file too many is a field error; a
// body over the server's limit is a 413. One request, so that a thing and
// its files are stored together or not at all.
func (s *Server) DecodeMultipart(r *http.Request, jsonPart string, in any, files ...FileParts) ([]File, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, errs.New(errs.BadRequest, "api.invalid_body")
	}
	var out []File
	count := map[string]int{}
	seen := false
	var fs errs.Fields
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, MultipartError(err)
		}
		name := part.FormName()
		fp, isFile := fileParts(files, name)
		switch {
		case name == jsonPart && !seen:
			seen = true
			data, err := io.ReadAll(io.LimitReader(part, api.MaxBodySize+1))
			if err != nil {
				return nil, MultipartError(err)
			}
			if len(data) > api.MaxBodySize {
				return nil, errs.New(errs.TooLarge, "error.413.text")
			}
			jr := r.Clone(r.Context())
			jr.Body, jr.ContentLength = io.NopCloser(bytes.NewReader(data)), int64(len(data))
			jr.Header = r.Header.Clone()
			jr.Header.Set("Content-Type", "application/json")
			if err := s.Decode(jr, in); err != nil {
				return nil, err
			}
		case isFile && (fp.Max == 0 || count[name] < fp.Max):
			count[name]++
			data, err := io.ReadAll(io.LimitReader(part, fp.Limit+1))
			if err != nil {
				return nil, MultipartError(err)
			}
			out = append(out, File{Part: name, Name: part.FileName(), Data: data})
		default:
			fs.Add(name, "validation.unknown_field")
		}
		part.Close()
	}
	if !seen {
		fs.Add(jsonPart, "validation.required")
	}
	return out, fs.Err()
}

func fileParts(files []FileParts, name string) (FileParts, bool) {
	for _, f := range files {
		if f.Name == name {
			return f, true
		}
	}
	return FileParts{}, false
}

// MultipartError is a failure to read a multipart body as a coded error:
// too large (413), or malformed (400).
func MultipartError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return errs.New(errs.TooLarge, "error.413.text")
	}
	return errs.New(errs.BadRequest, "api.invalid_body")
}
