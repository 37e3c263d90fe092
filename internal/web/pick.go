package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/kazakh"
)

// A name picker lets a form name an organization (or, later, a person) by
// typing its name instead of its internal number. Without JavaScript: the
// person types a name and sends the form; when the name is not one
// thing's, the form comes back with everything typed kept and the matches
// as radio buttons; they choose and send again. With JavaScript, a
// datalist fed by GET /{lang}/pick/{kind}?q= offers the names while they
// type (static/pick.js). The component that owns the things registers
// the picker (Server.AddPicker); forms ask for it by kind (Server.Pick)
// and render it with the "picker" partial.

// Choice is one thing a picker offers.
type Choice struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`           // in the reader's language
	Meta string `json:"meta,omitempty"` // a short hint: a kind, a place
}

// Picker finds things by name for a form. Choices offers only what u may
// choose there (organizations u organizes for); Chosen names one thing by
// id (errs.NotFound when there is none), whoever u is: the service that
// acts on the choice checks the permission.
type Picker interface {
	Choices(ctx context.Context, u *auth.User, p *i18n.Printer, q string, limit int) ([]Choice, error)
	Chosen(ctx context.Context, p *i18n.Printer, id int64) (Choice, error)
}

// AddPicker registers the picker of a kind ("org"). Call it while wiring.
func (s *Server) AddPicker(kind string, p Picker) {
	if s.pickers == nil {
		s.pickers = map[string]Picker{}
	}
	s.pickers[kind] = p
}

// Pick is a picker field's state for the "picker" partial.
type Pick struct {
	Kind    string   // "org"
	Name    string   // the form field of the chosen id, e.g. "org_id"
	ID      int64    // the chosen thing, 0: none yet
	Text    string   // what the text box shows: the chosen name or what was typed
	Choices []Choice // the matches to choose from (radio buttons)
	Err     string   // message key when nothing is chosen
}

const pickLimit = 20

// Pick resolves the picker field name of form f: NAME_pick (a radio
// button chosen among the matches) first, then NAME (an id, e.g. from the
// page that opened the form) while the text box NAME_q still shows its
// name (or is not in the form at all; an emptied box names nothing), else
// the typed NAME_q: one match (or one whose name is exactly
// what was typed) is taken, several are offered. f's NAME is set to the
// chosen id ("" for none).
func (s *Server) Pick(r *http.Request, kind string, f url.Values, name string) (*Pick, error) {
	pk, ok := s.pickers[kind]
	if !ok {
		return nil, errs.New(errs.NotFound, "error.404.text")
	}
	ctx, u, p := r.Context(), UserOf(r), s.Printer(r)
	out := &Pick{Kind: kind, Name: name}
	q := strings.TrimSpace(f.Get(name + "_q"))
	_, boxed := f[name+"_q"] // the form had the text box: emptied, it names nothing
	picked := f.Get(name + "_pick")
	idText := picked
	if idText == "" && (!boxed || q != "") {
		idText = f.Get(name)
	}
	defer func() {
		if out.ID != 0 {
			f.Set(name, strconv.FormatInt(out.ID, 10))
		} else {
			f.Set(name, "")
		}
	}()
	if id, err := strconv.ParseInt(strings.TrimSpace(idText), 10, 64); err == nil && id > 0 {
		c, err := pk.Chosen(ctx, p, id)
		switch {
		case err == nil:
			if picked != "" || q == "" || kazakh.Fold(q) == kazakh.Fold(c.Name) {
				out.ID, out.Text = c.ID, c.Name
				return out, nil
			}
		case errs.CodeOf(err) != errs.NotFound:
			return nil, err
		}
	}
	out.Text = q
	if q == "" {
		out.Err = "validation.required"
		return out, nil
	}
	cs, err := pk.Choices(ctx, u, p, q, pickLimit)
	if err != nil {
		return nil, err
	}
	var exact []Choice
	for _, c := range cs {
		if kazakh.Fold(c.Name) == kazakh.Fold(q) {
			exact = append(exact, c)
		}
	}
	switch {
	case len(cs) == 1:
		out.ID, out.Text = cs[0].ID, cs[0].Name
	case len(exact) == 1:
		out.ID, out.Text = exact[0].ID, exact[0].Name
	case len(cs) == 0:
		out.Err = "pick.none"
	default:
		out.Choices, out.Err = cs, "pick.choose"
	}
	return out, nil
}

// PickError adds the picker's message (when nothing is chosen) to a
// form's field errors; it returns fe, made when nil.
func (s *Server) PickError(r *http.Request, pk *Pick, fe map[string]string) map[string]string {
	if pk == nil || pk.ID != 0 || pk.Err == "" {
		return fe
	}
	if fe == nil {
		fe = map[string]string{}
	}
	fe[pk.Name] = s.T(r, pk.Err)
	return fe
}

// pickJSON answers the pickers' datalists: GET /{lang}/pick/{kind}?q=
// → [{"id","name","meta"}], for signed-in people (only what they may
// choose).
func (s *Server) pickJSON(w http.ResponseWriter, r *http.Request) {
	req, ok := s.Begin(w, r)
	if !ok {
		return
	}
	pk, ok := s.pickers[r.PathValue("kind")]
	if !ok {
		s.Fail(w, r, errs.New(errs.NotFound, "error.404.text"))
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	out := []Choice{}
	if len([]rune(q)) >= 2 {
		cs, err := pk.Choices(r.Context(), req.User, s.Printer(r), q, pickLimit)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		out = append(out, cs...)
	}
	w.Header().Set("Cache-Control", "private, no-store")
	api.WriteJSON(w, http.StatusOK, out)
}

// PickFields is the part of form f a picker named name reads (name,
// name_q, name_pick), with only the keys f has: a key present but empty
// means the form had the text box and the person emptied it, so copying
// an absent key as empty would turn an id posted alone into nothing.
func PickFields(f url.Values, name string) url.Values {
	out := url.Values{}
	for _, k := range []string{name, name + "_q", name + "_pick"} {
		if v, ok := f[k]; ok {
			out[k] = v
		}
	}
	return out
}
