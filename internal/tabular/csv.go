package tabular

import (
	"bytes"
	"unicode/utf8"
)

// readCSV reads a CSV file: UTF-8 with or without a byte-order mark, the
// separator (comma, semicolon or tab) guessed from the first line.
func readCSV(data []byte, b *builder) error {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return b.spec.fileErr(or(b.spec.Keys.NotUTF8, "tabular.not_utf8"))
	}
	p := csvParser{data: data, comma: separator(data)}
	for line := 1; ; line++ {
		more, err := p.next(
			func() error { return b.startRow(line) },
			func(col int, v []byte) error {
				if len(v) == 0 {
					return nil
				}
				return b.cell(col, string(v))
			})
		if err != nil {
			return err
		}
		if !more {
			return nil
		}
		if err := b.endRow(); err != nil {
			return err
		}
	}
}

// separator is the one of comma, semicolon and tab the first line has
// most of (Excel writes semicolons where the decimal separator is a comma).
func separator(data []byte) byte {
	first, _, _ := bytes.Cut(data, []byte("\n"))
	comma := byte(',')
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		comma = ';'
	}
	if bytes.Count(first, []byte("\t")) > bytes.Count(first, []byte{comma}) {
		comma = '\t'
	}
	return comma
}

// csvParser splits CSV records the way encoding/csv does with LazyQuotes
// (a test compares the two), but hands each field to a callback as it is
// found, so that a record of millions of fields costs no memory (a quoted
// field is gathered in one buffer, at most the size of the file).
type csvParser struct {
	data  []byte
	pos   int
	comma byte
	buf   []byte
}

// line returns the next physical line without its end ("\n" or "\r\n";
// the last line also loses a lone trailing "\r"), and whether it had a
// newline.
func (p *csvParser) line() (c []byte, nl, ok bool) {
	if p.pos >= len(p.data) {
		return nil, false, false
	}
	rest := p.data[p.pos:]
	i := bytes.IndexByte(rest, '\n')
	if i < 0 {
		p.pos = len(p.data)
		c = rest
	} else {
		p.pos += i + 1
		c, nl = rest[:i], true
	}
	if n := len(c); n > 0 && c[n-1] == '\r' {
		c = c[:n-1]
	}
	return c, nl, true
}

// next reads one record, skipping empty lines: start is called once it
// begins, then field for each field in order (v is only valid during the
// call). It returns false at the end of the input.
func (p *csvParser) next(start func() error, field func(col int, v []byte) error) (bool, error) {
	var c []byte
	var nl, ok bool
	for {
		if c, nl, ok = p.line(); !ok {
			return false, nil
		}
		if len(c) > 0 {
			break
		}
	}
	if err := start(); err != nil {
		return true, err
	}
	for col := 0; ; col++ {
		if len(c) == 0 || c[0] != '"' {
			i := bytes.IndexByte(c, p.comma)
			if i < 0 {
				return true, field(col, c)
			}
			if err := field(col, c[:i]); err != nil {
				return true, err
			}
			c = c[i+1:]
			continue
		}
		// A quoted field: "" is a quote; a quote followed by anything but
		// the separator or the end of the line is taken as it is.
		c = c[1:]
		p.buf = p.buf[:0]
		for done := false; !done; {
			i := bytes.IndexByte(c, '"')
			switch {
			case i >= 0:
				p.buf = append(p.buf, c[:i]...)
				c = c[i+1:]
				switch {
				case len(c) > 0 && c[0] == '"':
					p.buf = append(p.buf, '"')
					c = c[1:]
				case len(c) > 0 && c[0] == p.comma:
					c = c[1:]
					done = true
				case len(c) == 0:
					return true, field(col, p.buf)
				default:
					p.buf = append(p.buf, '"')
				}
			case len(c) > 0 || nl:
				p.buf = append(p.buf, c...)
				if nl {
					p.buf = append(p.buf, '\n')
				}
				if c, nl, ok = p.line(); !ok {
					return true, field(col, p.buf)
				}
			default:
				return true, field(col, p.buf)
			}
		}
		if err := field(col, p.buf); err != nil {
			return true, err
		}
	}
}
