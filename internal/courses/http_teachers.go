package courses

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/kazakh"
	"github.com/ortaq/ortaq/internal/web"
)

// Teachers on the create and edit forms are picked by name, without
// JavaScript: the chosen ones are hidden fields "teacher" (ids) shown by
// name, each with a remove button ("remove_teacher"); a text box
// "teacher_q" with a find button ("find_teacher") searches the people
// related to the course's organization (Service.FindTeachers) and the form
// comes back with the matches, each with an add button ("add_teacher").
// A name typed and sent with the form itself is taken when it names one
// person (or exactly one name is what was typed); otherwise the form comes
// back with the matches and nothing is saved.

// teacherPart is the teachers part of a form as the page shows it.
type teacherPart struct {
	Chosen  []Candidate
	Matches []Candidate
	More    bool // more matches than shown: type more of the name
}

// pickTeachers reads the teachers part of form f of a course of orgID for
// u, given the names already known (a course's teachers). again says the
// form must come back instead of being saved (a button of the part was
// pressed, or what was typed named nobody or several). f's "teacher"
// values become the chosen ids; a name taken empties "teacher_q".
func (h *handler) pickTeachers(r *http.Request, u *auth.User, orgID int64, f url.Values, known []Person) (tp teacherPart, again bool, err error) {
	ctx := r.Context()
	var fs errs.Fields
	ids := parseIDs("teacher_q", f["teacher"], &fs)
	if rm := web.FormInt(f.Get("remove_teacher")); rm > 0 {
		ids = slices.DeleteFunc(ids, func(id int64) bool { return id == rm })
		again = true
	}
	names := map[int64]string{}
	for _, p := range known {
		names[p.ID] = p.Name
	}
	// refuse turns a refusal of the organization into the part's own words.
	refuse := func(err error) error {
		switch errs.CodeOf(err) {
		case errs.Forbidden, errs.Unauthorized, errs.NotFound:
			return errs.Fields{{Name: "teacher_q", Key: "courses.teacher_org_first"}}.Err()
		}
		return err
	}
	add := func(c Candidate) {
		if !slices.Contains(ids, c.ID) {
			ids = append(ids, c.ID)
		}
		names[c.ID] = c.Name
		f.Set("teacher_q", "")
	}
	q := strings.TrimSpace(f.Get("teacher_q"))
	switch {
	case fs.Err() != nil:
	case web.FormInt(f.Get("add_teacher")) > 0:
		again = true
		if orgID <= 0 {
			fs.Add("teacher_q", "courses.teacher_org_first")
			break
		}
		c, err := h.svc.TeacherCandidate(ctx, u, orgID, web.FormInt(f.Get("add_teacher")))
		if err != nil {
			if err = refuse(err); errs.CodeOf(err) != errs.Invalid {
				return tp, again, err
			}
			fs = append(fs, errsFields(err)...)
			break
		}
		add(c)
	case q != "" && !again:
		find := f.Get("find_teacher") != ""
		again = find
		if orgID <= 0 {
			fs.Add("teacher_q", "courses.teacher_org_first")
			again = true
			break
		}
		cs, more, err := h.svc.FindTeachers(ctx, u, orgID, q)
		if err != nil {
			if err = refuse(err); errs.CodeOf(err) != errs.Invalid {
				return tp, again, err
			}
			fs = append(fs, errsFields(err)...)
			again = true
			break
		}
		one, ok := onlyMatch(cs, more, q)
		switch {
		case len(cs) == 0:
			fs.Add("teacher_q", "courses.teacher_none")
			again = true
		case ok:
			add(one)
		default:
			tp.Matches, tp.More = cs, more
			fs.Add("teacher_q", "courses.teacher_choose")
			again = true
		}
	case f.Get("find_teacher") != "":
		fs.Add("teacher_q", "validation.required")
		again = true
	}
	f.Del("teacher")
	for _, id := range ids {
		f.Add("teacher", strconv.FormatInt(id, 10))
		name, ok := names[id]
		if !ok && orgID > 0 {
			c, err := h.svc.TeacherCandidate(ctx, u, orgID, id)
			if err == nil {
				name = c.Name
			} else if errs.CodeOf(err) != errs.Invalid && errs.CodeOf(err) != errs.Forbidden {
				return tp, again, err
			}
		}
		if name == "" {
			name = "#" + strconv.FormatInt(id, 10)
		}
		tp.Chosen = append(tp.Chosen, Candidate{ID: id, Name: name})
	}
	return tp, again, fs.Err()
}

func errsFields(err error) errs.Fields {
	if e, ok := errs.As(err); ok {
		return e.Fields
	}
	return nil
}

// onlyMatch is the person a name q means among its matches cs (more: there
// were more than cs): kazakh.OnlyMatch.
func onlyMatch(cs []Candidate, more bool, q string) (Candidate, bool) {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Name
	}
	if i, ok := kazakh.OnlyMatch(names, more, q); ok {
		return cs[i], true
	}
	return Candidate{}, false
}
