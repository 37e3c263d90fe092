package web

import (
	"html/template"
	"strings"
)

// A cached fragment (Fragment) may carry parts that only some readers
// see — "✓ you support this" on the rows of a list that this reader
// supports. The block writes each such part hidden for everyone, with a
// key right before the hidden attribute:
//
//	<span class="ok" data-reveal="{{.ID}}" hidden>✓ …</span>
//
// and the handler shows one reader's parts with Reveal, which removes
// the attribute from the reader's copy of the fragment. So the rows stay
// one fragment shared by every reader, rendered once per moment, and a
// reader's page costs a copy of it. See docs/decisions/0027-revealed-parts.md.
//
// Only a template writes `data-reveal="`: anything a person wrote is
// escaped (a quote becomes &#34;), so it cannot pose as a switch.

const (
	revealOpen = `data-reveal="`
	switchOff  = ` hidden`
	switchOn   = `       ` // as long as switchOff: the page keeps its length
)

// Reveal returns fragment h with the parts whose key show accepts made
// visible; show is asked once per switch.
func (s *Server) Reveal(h template.HTML, show func(key string) bool) template.HTML {
	src := string(h)
	var b strings.Builder
	at := 0 // src[:at] is in b (when b is used)
	for i := 0; ; {
		j := strings.Index(src[i:], revealOpen)
		if j < 0 {
			break
		}
		k := i + j + len(revealOpen)
		q := strings.IndexByte(src[k:], '"')
		if q < 0 {
			break
		}
		sw := k + q + 1
		i = sw
		if !strings.HasPrefix(src[sw:], switchOff) || len(src) == sw+len(switchOff) ||
			(src[sw+len(switchOff)] != '>' && src[sw+len(switchOff)] != ' ') || !show(src[k:k+q]) {
			continue
		}
		if b.Len() == 0 {
			b.Grow(len(src))
		}
		b.WriteString(src[at:sw])
		b.WriteString(switchOn)
		at = sw + len(switchOff)
	}
	if at == 0 {
		return h
	}
	b.WriteString(src[at:])
	return template.HTML(b.String())
}
