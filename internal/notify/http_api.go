package notify

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/web"
)

// ItemOut is a notification as the API shows it.
type ItemOut struct {
	ID        string            `json:"id"`
	Kind      string            `json:"kind" doc:"support_milestone, comment, answer, hidden, unhidden, comment_hidden, merged, roadmap …"`
	Text      string            `json:"text" doc:"in the language of Accept-Language"`
	Args      map[string]string `json:"args"`
	Link      string            `json:"link" doc:"the page it is about, without the language: /proposals/12"`
	CreatedAt time.Time         `json:"created_at"`
	Read      bool              `json:"read"`
}

// ReadIn is the body of POST /inbox/read: the notifications to mark
// read, or all of them.
type ReadIn struct {
	IDs []string `json:"ids,omitempty" doc:"at most 100"`
	All bool     `json:"all,omitempty" doc:"mark every notification read"`
}

// ReadOut is what remains unread.
type ReadOut struct {
	Unread int `json:"unread"`
}

// MaxReadIDs bounds one POST /inbox/read.
const MaxReadIDs = 100

func (s *Service) registerAPI(srv *web.Server) {
	srv.APIOperation(api.Operation{Method: "GET", Path: "/inbox", ID: "listInbox", Summary: "Your notifications, newest first",
		Tags: []string{"notifications"}, Auth: true, Response: api.Page[ItemOut]{}, Query: api.ListQuery(), Errors: []int{401, 422}},
		func(w http.ResponseWriter, r *http.Request) {
			req, ok := srv.Begin(w, r)
			if !ok {
				return
			}
			u := req.User
			limit, err := srv.Limit(r, 20, 100)
			if err != nil {
				srv.Fail(w, r, err)
				return
			}
			var before int64
			if c := r.URL.Query().Get("cursor"); c != "" {
				if err := api.DecodeCursor(c, &before); err != nil || before <= 0 {
					var fs errs.Fields
					fs.Add("cursor", "validation.invalid_value")
					srv.Fail(w, r, fs.Err())
					return
				}
			}
			list, err := s.List(r.Context(), u.ID, before, limit+1)
			if err != nil {
				srv.Fail(w, r, err)
				return
			}
			out := api.Page[ItemOut]{Items: make([]ItemOut, 0, min(len(list), limit))}
			if len(list) > limit {
				list = list[:limit]
				out.NextCursor = api.EncodeCursor(list[limit-1].ID)
			}
			p := srv.Printer(r)
			for _, n := range list {
				args := n.Args
				if args == nil {
					args = map[string]string{}
				}
				out.Items = append(out.Items, ItemOut{ID: strconv.FormatInt(n.ID, 10), Kind: n.Kind, Text: n.Text(p), Args: args,
					Link: n.Link, CreatedAt: n.CreatedAt.UTC(), Read: n.Read})
			}
			api.WriteJSON(w, http.StatusOK, out)
		})
	srv.APIOperation(api.Operation{Method: "POST", Path: "/inbox/read", ID: "markInboxRead", Summary: "Mark notifications read: the ones listed, or all",
		Tags: []string{"notifications"}, Auth: true, Request: ReadIn{}, Response: ReadOut{}, Errors: []int{401, 422}},
		func(w http.ResponseWriter, r *http.Request) {
			req, ok := srv.Begin(w, r)
			if !ok {
				return
			}
			u := req.User
			var in ReadIn
			if err := srv.Decode(r, &in); err != nil {
				srv.Fail(w, r, err)
				return
			}
			out, err := s.markRead(r.Context(), u, in)
			if err != nil {
				srv.Fail(w, r, err)
				return
			}
			api.WriteJSON(w, http.StatusOK, out)
		})
}

func (s *Service) markRead(ctx context.Context, u *auth.User, in ReadIn) (ReadOut, error) {
	var fs errs.Fields
	ids := make([]int64, 0, len(in.IDs))
	switch {
	case in.All && len(in.IDs) > 0:
		fs.Add("ids", "notify.ids_or_all")
	case !in.All && len(in.IDs) == 0:
		fs.Add("ids", "validation.required")
	case len(in.IDs) > MaxReadIDs:
		fs.Add("ids", "notify.too_many_ids", "max", MaxReadIDs)
	}
	for _, v := range in.IDs {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			fs.Add("ids", "validation.invalid_value")
			break
		}
		ids = append(ids, id)
	}
	if err := fs.Err(); err != nil {
		return ReadOut{}, err
	}
	if in.All {
		if err := s.MarkRead(ctx, u.ID); err != nil {
			return ReadOut{}, err
		}
	} else if err := s.MarkReadIDs(ctx, u.ID, ids); err != nil {
		return ReadOut{}, err
	}
	n, err := s.Unread(ctx, u.ID)
	return ReadOut{Unread: n}, err
}

// MarkReadIDs marks some of a person's notifications read; ids that are
// not theirs are left alone.
func (s *Service) MarkReadIDs(ctx context.Context, userID int64, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	args := []any{nil, userID}
	for _, id := range ids {
		args = append(args, id)
	}
	q := "UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL AND id IN (?" + strings.Repeat(", ?", len(ids)-1) + ")"
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		args[0] = tx.Now
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("notify: mark read: %w", err)
		}
		return nil
	})
}
