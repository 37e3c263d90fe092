// Package pdftest looks inside the PDFs pdfdoc writes, for tests: whether
// letters are in the text and have a glyph in every embedded font.
package pdftest

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
	"regexp"
	"unicode/utf16"
)

var streamRE = regexp.MustCompile(`(?s)<<([^>]*?)>>\s*stream\r?\n`)

type stream struct {
	dict string
	data []byte // decompressed
}

func streams(pdf []byte) ([]stream, error) {
	var out []stream
	for _, m := range streamRE.FindAllSubmatchIndex(pdf, -1) {
		end := bytes.Index(pdf[m[1]:], []byte("endstream"))
		if end < 0 {
			return nil, fmt.Errorf("pdftest: unterminated stream")
		}
		s := stream{dict: string(pdf[m[2]:m[3]]), data: pdf[m[1] : m[1]+end]}
		if bytes.Contains([]byte(s.dict), []byte("/FlateDecode")) {
			r, err := zlib.NewReader(bytes.NewReader(s.data))
			if err != nil {
				return nil, fmt.Errorf("pdftest: %w", err)
			}
			if s.data, err = io.ReadAll(r); err != nil {
				return nil, fmt.Errorf("pdftest: %w", err)
			}
		}
		out = append(out, s)
	}
	return out, nil
}

// Missing returns the letters of want that the PDF lacks: that are not
// in any page's text (written as UTF-16 code units, which the
// documents' identity ToUnicode map turns back into the letters when the
// text is extracted), or that some embedded font subset maps to no glyph
// or to an empty one. Every embedded font is checked, so the text given
// to each font (regular and bold) must use every letter of want.
func Missing(pdf []byte, want string) ([]rune, error) {
	ss, err := streams(pdf)
	if err != nil {
		return nil, err
	}
	var content, maps, fonts [][]byte
	identity := false
	for _, s := range ss {
		switch {
		case bytes.Contains(s.data, []byte("/CIDInit")):
			identity = identity || bytes.Contains(s.data, []byte("<0000> <FFFF> <0000>"))
		case bytes.Contains([]byte(s.dict), []byte("/Length1")):
			fonts = append(fonts, s.data)
		case len(s.data) == 2*65536 && !bytes.Contains(s.data, []byte("Tj")):
			maps = append(maps, s.data) // CIDToGIDMap: two bytes per code
		case bytes.Contains(s.data, []byte("Tj")):
			content = append(content, s.data)
		}
	}
	if !identity || len(fonts) == 0 || len(fonts) != len(maps) || len(content) == 0 {
		return nil, fmt.Errorf("pdftest: %d fonts, %d CID maps, %d pages, identity ToUnicode %v", len(fonts), len(maps), len(content), identity)
	}
	var missing []rune
	seen := map[rune]bool{}
	for _, r := range want {
		if seen[r] || r == ' ' {
			continue
		}
		seen[r] = true
		ok := false
		code := utf16.Encode([]rune{r})
		if len(code) != 1 {
			return nil, fmt.Errorf("pdftest: %q is outside the BMP", r)
		}
		enc := []byte{byte(code[0] >> 8), byte(code[0])}
		for _, c := range content {
			ok = ok || bytes.Contains(c, enc)
		}
		for i, f := range fonts {
			gid := binary.BigEndian.Uint16(maps[i][2*int(code[0]):])
			has, err := hasGlyph(f, gid)
			if err != nil {
				return nil, err
			}
			ok = ok && gid != 0 && has
		}
		if !ok {
			missing = append(missing, r)
		}
	}
	return missing, nil
}

// hasGlyph reports whether glyph gid of the TrueType font has an outline
// (its 'loca' entry spans some bytes of 'glyf').
func hasGlyph(font []byte, gid uint16) (bool, error) {
	tables := map[string][]byte{}
	if len(font) < 12 {
		return false, fmt.Errorf("pdftest: font too short")
	}
	n := int(binary.BigEndian.Uint16(font[4:]))
	for i := range n {
		e := font[12+16*i:]
		off, size := binary.BigEndian.Uint32(e[8:]), binary.BigEndian.Uint32(e[12:])
		if int(off)+int(size) > len(font) {
			return false, fmt.Errorf("pdftest: table %q out of range", e[:4])
		}
		tables[string(e[:4])] = font[off : off+size]
	}
	head, loca := tables["head"], tables["loca"]
	if len(head) < 54 || loca == nil || tables["glyf"] == nil {
		return false, fmt.Errorf("pdftest: no head, loca or glyf table")
	}
	var start, end uint32
	if binary.BigEndian.Uint16(head[50:]) == 0 { // short offsets, halved
		if 2*int(gid)+4 > len(loca) {
			return false, nil
		}
		start, end = 2*uint32(binary.BigEndian.Uint16(loca[2*int(gid):])), 2*uint32(binary.BigEndian.Uint16(loca[2*int(gid)+2:]))
	} else {
		if 4*int(gid)+8 > len(loca) {
			return false, nil
		}
		start, end = binary.BigEndian.Uint32(loca[4*int(gid):]), binary.BigEndian.Uint32(loca[4*int(gid)+4:])
	}
	return end > start, nil
}
