package web

import (
	"net/http"

	"github.com/ortaq/ortaq/internal/auth"
)

// ProfileSection is a component's part of a person's profile page: a
// heading and a list of links (a person's awards, say).
type ProfileSection struct {
	ID    string // the section's id, for links to it
	Title string // translated
	Empty string // translated; shown when there are no items
	Items []ProfileItem
	More  *ProfileItem // a link to the whole list
}

// ProfileItem is one line of a ProfileSection.
type ProfileItem struct {
	Text, Note, URL string // URL with the language prefix
}

// ProfilePart gives a component's section of the signed-in person's
// profile page; nil for none.
type ProfilePart func(r *http.Request, u *auth.User) (*ProfileSection, error)

// AddProfilePart adds a section to the profile page (at wiring).
func (s *Server) AddProfilePart(p ProfilePart) { s.profileParts = append(s.profileParts, p) }

func (s *Server) parts(r *http.Request, u *auth.User, list []ProfilePart) ([]*ProfileSection, error) {
	var out []*ProfileSection
	for _, part := range list {
		sec, err := part(r, u)
		if err != nil {
			return nil, err
		}
		if sec != nil {
			out = append(out, sec)
		}
	}
	return out, nil
}
