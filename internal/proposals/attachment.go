package proposals

import (
	"fmt"
	"strings"

	"github.com/ortaq/ortaq/internal/kazakh"
)

// attachmentExts are the file name extensions of the types an attachment
// may have (SniffAttachment), the usual one first.
var attachmentExts = map[string][]string{
	"application/pdf": {".pdf"},
	"image/png":       {".png"},
	"image/jpeg":      {".jpg", ".jpeg", ".jpe"},
}

// DownloadName is the name an attachment is offered under: the name it
// was uploaded with, its extension made that of the type its content was
// found to be (a PDF uploaded as "x.html" downloads as "x.pdf"), so that
// no program opens it as something else.
func DownloadName(name, contentType string) string {
	exts := attachmentExts[contentType]
	if len(exts) == 0 {
		exts = []string{".bin"}
	}
	base, ext := name, ""
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		base, ext = name[:i], strings.ToLower(name[i:])
	}
	base = strings.Trim(base, ". ")
	if base == "" {
		base = "attachment"
	}
	for _, e := range exts {
		if ext == e {
			return base + name[len(name)-len(ext):]
		}
	}
	return base + exts[0]
}

// ContentDisposition offers a file as a download under name (calls use it
// for their file answers too): in plain
// ASCII for old clients (Kazakh and Russian letters in Latin, anything
// else an underscore) and in full as RFC 8187 UTF-8.
func ContentDisposition(name string) string {
	var ascii, full strings.Builder
	for _, r := range kazakh.ToLatin(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("._-()+ ", r):
			ascii.WriteRune(r)
		default:
			ascii.WriteByte('_')
		}
	}
	for _, b := range []byte(name) {
		switch {
		case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9', strings.IndexByte("!#$&+-.^_`|~", b) >= 0:
			full.WriteByte(b)
		default:
			fmt.Fprintf(&full, "%%%02X", b)
		}
	}
	return `attachment; filename="` + ascii.String() + `"; filename*=UTF-8''` + full.String()
}
