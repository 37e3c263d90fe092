package proposals

import (
	"net/http"
	"strconv"
	"time"

	"github.com/ortaq/ortaq/internal/api"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/web"
)

// ProposalIn is the body of POST …/proposals.
type ProposalIn struct {
	Title       string `json:"title" maxLength:"200"`
	Body        string `json:"body" doc:"Markdown" maxLength:"10000"`
	DirectionID string `json:"direction_id,omitempty"`
	Region      string `json:"region,omitempty" doc:"region code; the author's region when absent"`
}

// Author is who wrote something.
type Author struct {
	ID   string `json:"id"`
	Name string `json:"name" doc:"empty for deleted or hidden people"`
}

// AnswerOut is an official answer.
type AnswerOut struct {
	Status     string    `json:"status"`
	Text       string    `json:"text"`
	AnsweredAt time.Time `json:"answered_at"`
}

// RoadmapOut is a roadmap item a proposal is linked to.
type RoadmapOut struct {
	ItemID   string    `json:"item_id"`
	Title    i18n.Text `json:"title"`
	Status   string    `json:"status"`
	Progress int       `json:"progress"`
}

// ProposalOut is a proposal as the API shows it.
type ProposalOut struct {
	ID           string       `json:"id"`
	ProgrammeID  string       `json:"programme_id"`
	Title        string       `json:"title"`
	Body         string       `json:"body,omitempty"`
	BodyHTML     string       `json:"body_html,omitempty"`
	DirectionID  string       `json:"direction_id,omitempty"`
	Region       string       `json:"region"`
	Status       string       `json:"status" enum:"new,evaluating,accepted,rejected"`
	SupportCount int          `json:"support_count"`
	CommentCount int          `json:"comment_count"`
	Author       Author       `json:"author"`
	Answer       *AnswerOut   `json:"answer,omitempty"`
	Hidden       bool         `json:"hidden"`
	HiddenReason string       `json:"hidden_reason,omitempty" doc:"why moderators hid it (only its author and the moderators read a hidden proposal)"`
	MergedInto   string       `json:"merged_into,omitempty"`
	CreatedAt    time.Time    `json:"created_at"`
	Roadmap      []RoadmapOut `json:"roadmap,omitempty"`
	Attachment   *FileOut     `json:"attachment,omitempty" doc:"the attached file, when there is one (download: /{lang}/proposals/{id}/attachment)"`
}

// FileOut names an attached file.
type FileOut struct {
	Name string `json:"name"`
	Size int    `json:"size" doc:"bytes"`
}

func idStr(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

// Out is the API form of a proposal.
func Out(p *Proposal, full bool) ProposalOut {
	o := ProposalOut{ID: idStr(p.ID), ProgrammeID: idStr(p.ProgrammeID), Title: p.Title, DirectionID: idStr(p.DirectionID), Region: p.Region,
		Status: p.Status, SupportCount: p.SupportCount, CommentCount: p.CommentCount, Author: Author{ID: idStr(p.AuthorID), Name: p.AuthorName},
		Hidden: p.Hidden, HiddenReason: p.HiddenReason, MergedInto: idStr(p.MergedInto), CreatedAt: p.CreatedAt.UTC()}
	if full {
		o.Body, o.BodyHTML = p.Body, string(p.BodyHTML)
		if p.AttachmentName != "" {
			o.Attachment = &FileOut{Name: p.AttachmentName, Size: p.AttachmentSize}
		}
	}
	if p.AnsweredAt != nil {
		o.Answer = &AnswerOut{Status: p.Status, Text: p.Answer, AnsweredAt: p.AnsweredAt.UTC()}
	}
	return o
}

func (h *Handler) apiList(w http.ResponseWriter, r *http.Request) {
	req, ok := h.Srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	id := req.ID
	if _, err := h.S.Programmes.Rules(r.Context(), id); err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	f := filterOf(r, id)
	var err error
	if f.Limit, err = h.Srv.Limit(r, 20, 100); err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	items, next, err := h.S.List(r.Context(), f)
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	out := api.Page[ProposalOut]{Items: make([]ProposalOut, 0, len(items)), NextCursor: next}
	for _, p := range items {
		out.Items = append(out.Items, Out(p, false))
	}
	api.WriteJSON(w, http.StatusOK, out)
}

// apiCreate takes a proposal as JSON, or as multipart/form-data with the
// JSON in the part "proposal" and an optional file in the part
// "attachment" (docs/decisions/0021-proposal-attachments-api.md): one
// request, so the proposal and its file are stored together or not at all.
func (h *Handler) apiCreate() http.HandlerFunc {
	create := func(r *http.Request, u *auth.User, id int64, in ProposalIn, a *Attachment) (ProposalOut, error) {
		dir, _ := strconv.ParseInt(in.DirectionID, 10, 64)
		p, err := h.S.Create(r.Context(), u, id, NewProposal{Title: in.Title, Body: in.Body, DirectionID: dir, Region: in.Region, Attachment: a})
		if err != nil {
			return ProposalOut{}, err
		}
		return Out(p, true), nil
	}
	asJSON := web.JSONAction(h.Srv, http.StatusCreated, true, func(r *http.Request, u *auth.User, id int64, in ProposalIn) (ProposalOut, error) {
		return create(r, u, id, in, nil)
	})
	return func(w http.ResponseWriter, r *http.Request) {
		if !web.IsMultipart(r) {
			asJSON(w, r)
			return
		}
		req, ok := h.Srv.BeginGuest(w, r, "id")
		if !ok {
			return
		}
		u, id := req.User, req.ID
		if u == nil {
			h.Srv.Fail(w, r, errs.New(errs.Unauthorized, "auth.signin_required"))
			return
		}
		in, a, err := h.readMultipart(r)
		if err != nil {
			h.Srv.Fail(w, r, err)
			return
		}
		out, err := create(r.WithContext(ctxIP(h, r)), u, id, in, a)
		if err != nil {
			h.Srv.Fail(w, r, err)
			return
		}
		api.WriteJSON(w, http.StatusCreated, out)
	}
}

// readMultipart reads the parts "proposal" (JSON) and "attachment" (one
// file, read up to one byte over the limit so that Create can refuse it by
// name).
func (h *Handler) readMultipart(r *http.Request) (ProposalIn, *Attachment, error) {
	var in ProposalIn
	files, err := h.Srv.DecodeMultipart(r, "proposal", &in, web.FileParts{Name: "attachment", Limit: MaxUpload, Max: 1})
	if err != nil {
		return in, nil, err
	}
	var a *Attachment
	if len(files) > 0 {
		a = &Attachment{Name: files[0].Name, Data: files[0].Data}
	}
	return in, a, nil
}

func (h *Handler) apiGet(w http.ResponseWriter, r *http.Request) {
	req, ok := h.Srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	id := req.ID
	p, err := h.S.GetFor(r.Context(), req.User, id)
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	o := Out(p, true)
	if h.Roadmap != nil {
		refs, err := h.Roadmap.ForProposal(r.Context(), id)
		if err != nil {
			h.Srv.Fail(w, r, err)
			return
		}
		for _, ref := range refs {
			o.Roadmap = append(o.Roadmap, RoadmapOut{ItemID: idStr(ref.ItemID), Title: ref.Title, Status: ref.Status, Progress: ref.Progress})
		}
	}
	api.WriteJSON(w, http.StatusOK, o)
}

func (h *Handler) apiSupport(on bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		req, ok := h.Srv.BeginGuest(w, r, "id")
		if !ok {
			return
		}
		id := req.ID
		res, err := h.S.Support(r.Context(), req.User, id, on)
		if err != nil {
			h.Srv.Fail(w, r, err)
			return
		}
		api.WriteJSON(w, http.StatusOK, res)
	}
}

// CommentIn is the body of POST …/comments.
type CommentIn struct {
	Body     string `json:"body" maxLength:"4000"`
	ParentID string `json:"parent_id,omitempty" doc:"the comment this replies to"`
}

// CommentOut is a comment as the API shows it.
type CommentOut struct {
	ID           string     `json:"id"`
	ParentID     string     `json:"parent_id,omitempty"`
	Author       Author     `json:"author"`
	Body         string     `json:"body" doc:"empty when hidden by a moderator"`
	Hidden       bool       `json:"hidden,omitempty"`
	HiddenReason string     `json:"hidden_reason,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	EditedAt     *time.Time `json:"edited_at,omitempty"`
}

func (h *Handler) apiComments(w http.ResponseWriter, r *http.Request) {
	req, ok := h.Srv.BeginGuest(w, r, "id")
	if !ok {
		return
	}
	id := req.ID
	limit, err := h.Srv.Limit(r, 50, 200)
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	var after int64
	if c := r.URL.Query().Get("cursor"); c != "" {
		if err := api.DecodeCursor(c, &after); err != nil {
			var fs errs.Fields
			fs.Add("cursor", "validation.invalid_value")
			h.Srv.Fail(w, r, fs.Err())
			return
		}
	}
	if _, err := h.S.GetFor(r.Context(), req.User, id); err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	list, more, err := h.S.CommentsAfter(r.Context(), id, after, limit)
	if err != nil {
		h.Srv.Fail(w, r, err)
		return
	}
	out := api.Page[CommentOut]{Items: make([]CommentOut, 0, len(list))}
	for _, c := range list {
		o := CommentOut{ID: idStr(c.ID), ParentID: idStr(c.ParentID), Author: Author{ID: idStr(c.AuthorID), Name: c.AuthorName},
			Body: c.Body, Hidden: c.Hidden, HiddenReason: c.HiddenReason, CreatedAt: c.CreatedAt.UTC()}
		if c.Hidden {
			o.Body = ""
		}
		if c.EditedAt != nil {
			t := c.EditedAt.UTC()
			o.EditedAt = &t
		}
		out.Items = append(out.Items, o)
	}
	if more {
		out.NextCursor = api.EncodeCursor(list[len(list)-1].ID)
	}
	api.WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) apiComment() http.HandlerFunc {
	return web.JSONAction(h.Srv, http.StatusCreated, true, func(r *http.Request, u *auth.User, id int64, in CommentIn) (CommentOut, error) {
		parent, _ := strconv.ParseInt(in.ParentID, 10, 64)
		c, err := h.S.AddComment(r.Context(), u, id, parent, in.Body)
		if err != nil {
			return CommentOut{}, err
		}
		return CommentOut{ID: idStr(c.ID), ParentID: idStr(c.ParentID), Author: Author{ID: idStr(u.ID), Name: u.Name},
			Body: c.Body, CreatedAt: c.CreatedAt.UTC()}, nil
	})
}

// AnswerIn is the body of PUT …/answer.
type AnswerIn struct {
	Status string `json:"status" enum:"evaluating,accepted,rejected"`
	Text   string `json:"text" doc:"Markdown"`
}

func (h *Handler) apiAnswer() http.HandlerFunc {
	return web.JSONAction(h.Srv, http.StatusOK, true, func(r *http.Request, u *auth.User, id int64, in AnswerIn) (ProposalOut, error) {
		p, err := h.S.SetAnswer(r.Context(), u, id, in.Status, in.Text)
		if err != nil {
			return ProposalOut{}, err
		}
		return Out(p, true), nil
	})
}
