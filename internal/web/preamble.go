package web

import (
	"net/http"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
)

// Req is what a handler knows once its preamble has passed: who asks and
// the ids in its path.
type Req struct {
	User *auth.User // nil only after BeginGuest, for a guest
	ID   int64      // the first id asked for (usually "id"); 0 if none
	ids  map[string]int64
}

// PathID is the id of the named path value, which must have been asked
// for in the preamble.
func (q Req) PathID(name string) int64 {
	id, ok := q.ids[name]
	if !ok {
		panic("web: path id " + name + " not asked for in the preamble")
	}
	return id
}

// Begin is the one preamble of a handler that needs a signed-in person: it
// checks, in this order, that someone is signed in (401, or the sign-in page
// for a form posted after the session ended) and that each named path value
// is an id (404). On the first thing missing it writes exactly one error
// response and returns false; the handler then returns.
func (s *Server) Begin(w http.ResponseWriter, r *http.Request, ids ...string) (Req, bool) {
	u := s.SignedIn(w, r)
	if u == nil {
		return Req{}, false
	}
	return s.pathIDs(w, r, u, ids)
}

// BeginForm is Begin and then the posted form parsed (400, or 413 when too
// large): for POST handlers of pages.
func (s *Server) BeginForm(w http.ResponseWriter, r *http.Request, ids ...string) (Req, bool) {
	q, ok := s.Begin(w, r, ids...)
	if !ok || !s.ParseForm(w, r) {
		return Req{}, false
	}
	return q, true
}

// BeginGuest is the preamble of a handler open to guests: the path ids
// (404), and the person if someone is signed in (User is nil for a guest).
func (s *Server) BeginGuest(w http.ResponseWriter, r *http.Request, ids ...string) (Req, bool) {
	return s.pathIDs(w, r, UserOf(r), ids)
}

func (s *Server) pathIDs(w http.ResponseWriter, r *http.Request, u *auth.User, names []string) (Req, bool) {
	q := Req{User: u, ids: make(map[string]int64, len(names))}
	for i, name := range names {
		id, err := PathID(r, name)
		if err != nil {
			s.Fail(w, r, errs.New(errs.NotFound, "error.404.text"))
			return Req{}, false
		}
		if i == 0 {
			q.ID = id
		}
		q.ids[name] = id
	}
	return q, true
}
