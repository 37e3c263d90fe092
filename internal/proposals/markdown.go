package proposals

import (
	"bytes"
	"html/template"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// md turns Markdown into HTML; raw HTML in the source is not passed
// through (goldmark's default), and the result is sanitized again.
var md = goldmark.New(goldmark.WithExtensions(extension.Linkify, extension.Strikethrough))

// policy allows text formatting, lists, quotes, code and links to http,
// https and mailto only: no script, iframe, style, images or event
// attributes.
var policy = func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "em", "strong", "del", "ul", "ol", "li", "blockquote", "code", "pre", "h3", "h4", "h5", "h6", "hr")
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(false)
	p.RequireNoFollowOnLinks(true)
	return p
}()

// Markdown renders user Markdown as safe HTML: links get
// rel="nofollow ugc noopener".
func Markdown(src string) template.HTML {
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return template.HTML(template.HTMLEscapeString(src))
	}
	out := policy.Sanitize(buf.String())
	// Headings of the text sit below the page's own: h1/h2 were dropped
	// by the policy, their text kept.
	out = strings.ReplaceAll(out, `rel="nofollow"`, `rel="nofollow ugc noopener"`)
	return template.HTML(out)
}
