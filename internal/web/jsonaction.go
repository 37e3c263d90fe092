package web

import (
	"net/http"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
)

// Action is an API call on the object named by the path's {id}, with a
// JSON body: who asks (nil for a guest), which object, what they sent.
type Action[In, Out any] func(r *http.Request, u *auth.User, id int64, in In) (Out, error)

// JSONAction makes the handler of such a call: it reads {id}, refuses a
// guest (when signedIn) before reading the body, decodes the body strictly,
// calls do with a context that carries the client's address for the audit
// log, and answers status with the result — or a problem in the reader's
// language.
func JSONAction[In, Out any](s *Server, status int, signedIn bool, do Action[In, Out]) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := PathID(r, "id")
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		u := UserOf(r)
		if signedIn && u == nil {
			s.Fail(w, r, errs.New(errs.Unauthorized, "auth.signin_required"))
			return
		}
		var in In
		if err := s.Decode(r, &in); err != nil {
			s.Fail(w, r, err)
			return
		}
		out, err := do(r.WithContext(audit.WithIP(r.Context(), s.ClientIP(r))), u, id, in)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		api.WriteJSON(w, status, out)
	}
}
