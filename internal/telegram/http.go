package telegram

import (
	"context"
	"embed"
	"net/http"
	"net/url"
	"time"

	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// Register adds the linking page (/{lang}/telegram), the page of the
// chat's sign-in links (/{lang}/telegram/signin) and their templates.
// The routes exist whether or not the bot is on; without a token the page
// says so and no code is given out.
func (b *Bot) Register(srv *web.Server) error {
	if err := srv.Renderer().Add(templates, "templates"); err != nil {
		return err
	}
	if b.accounts != nil { // the linked chat is part of the person's data download
		b.accounts.AddExportPart("telegram", func(ctx context.Context, userID int64) (any, error) {
			m, err := b.Export(ctx, userID)
			if m == nil || err != nil {
				return nil, err
			}
			return m, nil
		})
	}
	h := &handlers{b: b, srv: srv}
	srv.Page("GET /telegram", h.page)
	srv.Page("POST /telegram/code", h.code)
	srv.Page("POST /telegram/unlink", h.unlink)
	srv.Page("GET /telegram/signin", h.signinPage) // a sign-in link from the chat (signin.go)
	srv.Page("POST /telegram/signin", h.signin)
	return nil
}

type handlers struct {
	b   *Bot
	srv *web.Server
}

// pageData is what the template shows.
type pageData struct {
	Enabled bool
	Limited bool // a minor without a guardian's consent: no linking yet
	Linked  bool
	Link    Link
	// After asking for a code (this response only):
	Code     string
	DeepLink string // empty when the bot's name is unknown (Telegram unreachable)
	Expires  time.Time
}

func (h *handlers) page(w http.ResponseWriter, r *http.Request) {
	u := h.srv.SignedIn(w, r)
	if u == nil {
		return
	}
	h.render(w, r, http.StatusOK, u.ID, u.Limited(), pageData{})
}

// code gives out a one-time link code and shows it with the deep link.
func (h *handlers) code(w http.ResponseWriter, r *http.Request) {
	u := h.srv.SignedIn(w, r)
	if u == nil {
		return
	}
	if u.Limited() {
		// Linking stores a chat id: processing beyond what sign-up needs.
		h.srv.Fail(w, r, errs.New(errs.ConsentRequired, "auth.consent_required"))
		return
	}
	if !h.b.Enabled() {
		h.srv.Fail(w, r, errs.New(errs.NotFound, "telegram.off"))
		return
	}
	code, expires, err := h.b.NewCode(r.Context(), u.ID)
	if err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	d := pageData{Code: code, Expires: expires}
	if name, err := h.b.Username(r.Context()); err != nil {
		h.b.log.Warn("telegram: bot name", "err", err)
	} else {
		d.DeepLink = "https://t.me/" + url.PathEscape(name) + "?start=" + code
	}
	// Shown on this response only; the database keeps just a hash.
	h.render(w, r, http.StatusCreated, u.ID, false, d)
}

func (h *handlers) unlink(w http.ResponseWriter, r *http.Request) {
	u := h.srv.SignedIn(w, r)
	if u == nil {
		return
	}
	if _, err := h.b.Unlink(r.Context(), u.ID); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Redirect(w, r, "/telegram", "telegram.unlinked")
}

func (h *handlers) render(w http.ResponseWriter, r *http.Request, status int, userID int64, limited bool, d pageData) {
	var err error
	d.Enabled, d.Limited = h.b.Enabled(), limited
	if d.Link, d.Linked, err = h.b.LinkOf(r.Context(), userID); err != nil {
		h.srv.Fail(w, r, err)
		return
	}
	h.srv.Render(w, r, status, "telegram", &web.PageData{Title: h.srv.T(r, "telegram.title"), Data: d})
}
