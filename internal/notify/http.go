package notify

import (
	"context"
	"embed"
	"net/http"
	"strconv"

	"github.com/ortaq/ortaq/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// Register adds the inbox pages and templates.
func (s *Service) Register(srv *web.Server) error {
	if err := srv.Renderer().Add(templates, "templates"); err != nil {
		return err
	}
	srv.Page("GET /inbox", func(w http.ResponseWriter, r *http.Request) {
		req, ok := srv.Begin(w, r)
		if !ok {
			return
		}
		u := req.User
		before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
		const limit = 50
		list, err := s.List(r.Context(), u.ID, before, limit)
		if err != nil {
			srv.Fail(w, r, err)
			return
		}
		p := srv.Printer(r)
		type item struct {
			Notification
			Text string
		}
		items := make([]item, len(list))
		unread := 0
		for i, n := range list {
			items[i] = item{n, n.Text(p)}
			if !n.Read {
				unread++
			}
		}
		data := map[string]any{"Items": items, "Unread": unread}
		if len(list) == limit {
			data["Next"] = list[len(list)-1].ID
		}
		srv.Render(w, r, http.StatusOK, "notify_inbox", &web.PageData{Title: srv.T(r, "notify.inbox"), Data: data})
	})
	srv.Page("POST /inbox/read", func(w http.ResponseWriter, r *http.Request) {
		req, ok := srv.Begin(w, r)
		if !ok {
			return
		}
		u := req.User
		if err := s.MarkRead(r.Context(), u.ID); err != nil {
			srv.Fail(w, r, err)
			return
		}
		srv.Redirect(w, r, "/inbox", "notify.marked_read")
	})
	s.registerAPI(srv)
	// The page header shows how many are unread.
	srv.SetHeaderCounter(func(ctx context.Context, userID int64) int {
		n, err := s.Unread(ctx, userID)
		if err != nil {
			if ctx.Err() == nil && s.Log != nil {
				s.Log.Warn("notify: unread count", "err", err)
			}
			return 0
		}
		return n
	})
	return nil
}
