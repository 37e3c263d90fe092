// Package proposals collects young people's proposals for a programme:
// submitted by eligible people while the collecting phase is open,
// supported (one support per person, exact under any concurrency: the
// primary key of proposal_supports is the guarantee and support_count is
// kept in the same transaction), commented, followed, moderated (hide,
// merge) and answered officially.
package proposals

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"html/template"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/notify"
	"github.com/ortaq/ortaq/internal/photo"
	"github.com/ortaq/ortaq/internal/programmes"
	"github.com/ortaq/ortaq/internal/web"
)

// Statuses of an official answer; "new" until answered.
var Statuses = []string{"new", "evaluating", "accepted", "rejected"}

// Answer statuses a moderator may give.
var AnswerStatuses = []string{"evaluating", "accepted", "rejected"}

// Milestones of supports the author hears about.
var Milestones = []int{10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000}

// Proposal is one proposal.
type Proposal struct {
	ID             int64
	ProgrammeID    int64
	AuthorID       int64
	AuthorName     string // "" when the author is deleted or hidden
	DirectionID    int64
	Region         string
	Title          string
	Body           string
	BodyHTML       template.HTML
	Status         string
	Answer         string
	AnswerHTML     template.HTML
	AnsweredAt     *time.Time
	SupportCount   int
	CommentCount   int
	Hidden         bool
	HiddenReason   string
	MergedInto     int64
	CreatedAt      time.Time
	AttachmentName string
	AttachmentSize int
}

// Comment is a comment or a reply (one level).
type Comment struct {
	ID           int64
	ProposalID   int64
	ParentID     int64
	AuthorID     int64
	AuthorName   string
	Body         string
	Hidden       bool
	HiddenReason string
	CreatedAt    time.Time
	EditedAt     *time.Time
}

// EditWindow is how long an author may edit a comment.
const EditWindow = 10 * time.Minute

// Attachment limits: a PDF up to MaxAttachment; a photo (JPEG or PNG) as a
// phone takes it, up to MaxUpload, is scaled down to PhotoSide on the
// server with its EXIF (the place it was taken) dropped (internal/photo).
const (
	MaxAttachment = 768 << 10
	MaxUpload     = photo.MaxBytes
	PhotoSide     = 1600
)

// Attachment is an uploaded file.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
}

// Service keeps proposals.
type Service struct {
	DB         *db.DB
	Auth       *auth.Service
	Programmes *programmes.Service
	Notify     *notify.Service

	supports *db.Group[supportReq, SupportResult] // supports and withdrawals waiting to be written (support_batch.go)

	baseURL string
	roadmap Roadmaps
	search  Matcher
}

// Roadmaps tells where a proposal went on the roadmap (the roadmap
// component, which is built after this one: roadmap.Links).
type Roadmaps interface {
	ForProposal(ctx context.Context, proposalID int64) ([]RoadmapRef, error)
}

// RoadmapRef is a roadmap item a proposal is linked to.
type RoadmapRef struct {
	ItemID      int64
	ProgrammeID int64
	Title       i18n.Text
	Status      string
	Progress    int
}

// Deps are what the proposals service needs.
type Deps struct {
	DB         *db.DB
	Auth       *auth.Service
	Programmes *programmes.Service
	Notify     *notify.Service
	BaseURL    string   // links in exports start with it
	Roadmap    Roadmaps // nil: proposals show no roadmap items
	// Search is the list's text filter: the search component's, so that
	// the list finds what the search page finds (issue 17, item 9). nil:
	// a text filter is an error.
	Search Matcher
}

// Matcher filters a list by text (search.Service.Match).
type Matcher interface {
	Match(ctx context.Context, kind, text string) (ids []int64, ok bool, err error)
}

// New returns the service.
func New(d Deps) *Service {
	s := &Service{DB: d.DB, Auth: d.Auth, Programmes: d.Programmes, Notify: d.Notify, baseURL: d.BaseURL, roadmap: d.Roadmap, search: d.Search}
	s.supports = s.newSupportWriter()
	return s
}

// Register adds the routes and templates to the server.
func (s *Service) Register(srv *web.Server) error {
	return (&Handler{S: s, Srv: srv, BaseURL: s.baseURL, Roadmap: s.roadmap}).Register()
}

// Stop writes the supports still queued and refuses new ones (shutdown).
func (s *Service) Stop() { s.supports.Stop() }

// NewProposal is what a person submits.
type NewProposal struct {
	Title       string
	Body        string
	DirectionID int64
	Region      string
	Attachment  *Attachment
}

// SniffAttachment returns the safe content type of an allowed file, or
// "" when the type is not allowed: PDF, PNG, JPEG, judged by content.
func SniffAttachment(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return "application/pdf"
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		return "image/jpeg"
	}
	return ""
}

func checkBody(fs *errs.Fields, name, s string, min, max int) {
	n := utf8.RuneCountInString(strings.TrimSpace(s))
	switch {
	case !utf8.ValidString(s):
		fs.Add(name, "validation.invalid_utf8")
	case n == 0:
		fs.Add(name, "validation.required")
	case n < min:
		fs.Add(name, "validation.too_short", "min", min)
	case n > max:
		fs.Add(name, "validation.too_long", "max", max)
	}
}

// Create submits a proposal.
func (s *Service) Create(ctx context.Context, u *auth.User, programmeID int64, in NewProposal) (*Proposal, error) {
	p, err := s.Programmes.Cached(ctx, programmeID)
	if err != nil {
		return nil, err
	}
	now := s.DB.Now()
	if err := s.Programmes.CanTakePart(u, p, now); err != nil {
		return nil, err
	}
	if err := programmes.RequirePhase(p, "proposals", now); err != nil {
		return nil, err
	}
	var fs errs.Fields
	in.Title = strings.TrimSpace(in.Title)
	checkBody(&fs, "title", in.Title, 5, 200)
	if strings.ContainsAny(in.Title, "\r\n") {
		fs.Add("title", "validation.invalid_chars")
	}
	checkBody(&fs, "body", in.Body, 20, 10000)
	if len(p.Directions) > 0 {
		if in.DirectionID == 0 {
			fs.Add("direction_id", "validation.required")
		} else if _, ok := p.Direction(in.DirectionID); !ok {
			fs.Add("direction_id", "validation.invalid_choice")
		}
	} else if in.DirectionID != 0 {
		fs.Add("direction_id", "validation.invalid_choice")
	}
	if in.Region == "" {
		in.Region = u.Region
	}
	if r, ok := s.Programmes.Regions.Get(in.Region); !ok || r.Parent != "KZ" {
		fs.Add("region", "validation.invalid_choice")
	} else if !p.CoversRegion(in.Region) {
		fs.Add("region", "programmes.region_not_covered")
	}
	scaled := false
	if a := in.Attachment; a != nil && len(a.Data) > 0 && photo.IsPhoto(a.Data) {
		// A phone's photo: scaled and stripped before anything else; its
		// size is then bounded by PhotoSide, not by MaxAttachment.
		if r, no := photo.Process(a.Data, PhotoSide, 0); no != nil {
			fs.Add("attachment", "photo."+no.Reason, no.Args...)
			in.Attachment = nil
		} else {
			a.Data, scaled = r.Display, true
		}
	}
	if a := in.Attachment; a != nil {
		switch {
		case len(a.Data) > MaxAttachment && !scaled:
			fs.Add("attachment", "proposals.attachment_too_big", "max", MaxAttachment>>10)
		case len(a.Data) == 0:
			in.Attachment = nil
		default:
			a.ContentType = SniffAttachment(a.Data)
			if a.ContentType == "" {
				fs.Add("attachment", "proposals.attachment_type")
			}
			a.Name = DownloadName(cleanName(a.Name), a.ContentType)
		}
	}
	if err := fs.Err(); err != nil {
		return nil, err
	}
	var id int64
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO proposals (programme_id, author_id, direction_id, region, title, body, body_html, search, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, programmeID, u.ID, nullInt(in.DirectionID), in.Region,
			in.Title, in.Body, string(Markdown(in.Body)), searchKey(in.Title, in.Body), tx.Now, tx.Now).Scan(&id)
		if err != nil {
			return fmt.Errorf("proposals: create: %w", err)
		}
		if a := in.Attachment; a != nil {
			if _, err := tx.Exec(ctx, "INSERT INTO proposal_attachments (proposal_id, name, content_type, size, data) VALUES (?, ?, ?, ?, ?)",
				id, a.Name, a.ContentType, len(a.Data), a.Data); err != nil {
				return fmt.Errorf("proposals: attachment: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, "INSERT INTO proposal_tallies (proposal_id, programme_id, region, direction_id) VALUES (?, ?, ?, ?)",
			id, programmeID, in.Region, nullInt(in.DirectionID)); err != nil {
			return fmt.Errorf("proposals: create: %w", err)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO proposal_follows (proposal_id, user_id, created_at) VALUES (?, ?, ?)", id, u.ID, tx.Now); err != nil {
			return err
		}
		return countVisible(ctx, tx, programmeID, 1)
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

func cleanName(n string) string {
	n = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(`"\/:*?<>|;`, r) {
			return '_'
		}
		return r
	}, n)
	if r := []rune(n); len(r) > 100 {
		n = string(r[len(r)-100:])
	}
	if n == "" {
		n = "attachment"
	}
	return n
}

const proposalCols = `p.id, p.programme_id, p.author_id, CASE WHEN u.deleted_at IS NULL AND u.hidden = FALSE THEN u.name ELSE '' END,
	COALESCE(p.direction_id, 0), p.region, p.title, p.status, t.support_count, p.comment_count, p.hidden,
	COALESCE(p.merged_into, 0), p.created_at`

func scanProposal(sc interface{ Scan(...any) error }, extra ...any) (*Proposal, error) {
	var p Proposal
	var created db.Time
	err := sc.Scan(append([]any{&p.ID, &p.ProgrammeID, &p.AuthorID, &p.AuthorName, &p.DirectionID, &p.Region, &p.Title,
		&p.Status, &p.SupportCount, &p.CommentCount, &p.Hidden, &p.MergedInto, &created}, extra...)...)
	p.CreatedAt = created.Time
	return &p, err
}

// Get returns a proposal with its body (source and HTML) and answer.
func (s *Service) Get(ctx context.Context, id int64) (*Proposal, error) {
	return s.get(ctx, id, true)
}

// get reads a proposal; without source it leaves out the Markdown source
// of the body, which pages do not show (they show the stored HTML).
func (s *Service) get(ctx context.Context, id int64, source bool) (*Proposal, error) {
	var rawBody, reason, body, answer, answerHTML string
	var answered db.Time
	var attName, attType sql.NullString
	var attSize sql.NullInt64
	src := "p.body"
	if !source {
		src = "''"
	}
	p, err := scanProposal(s.DB.QueryRow(ctx, `SELECT `+proposalCols+`, `+src+`, p.body_html, p.answer, p.answer_html,
		p.answered_at, p.hidden_reason, a.name, a.size, a.content_type
		FROM proposals p JOIN proposal_tallies t ON t.proposal_id = p.id JOIN users u ON u.id = p.author_id LEFT JOIN proposal_attachments a ON a.proposal_id = p.id
		WHERE p.id = ?`, id), &rawBody, &body, &answer, &answerHTML, &answered, &reason, &attName, &attSize, &attType)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.New(errs.NotFound, "error.404.text")
	}
	if err != nil {
		return nil, fmt.Errorf("proposals: get %d: %w", id, err)
	}
	p.Body, p.HiddenReason = rawBody, reason
	p.BodyHTML, p.Answer, p.AnswerHTML, p.AnsweredAt = template.HTML(body), answer, template.HTML(answerHTML), answered.Ptr()
	if attName.Valid {
		p.AttachmentName, p.AttachmentSize = DownloadName(attName.String, attType.String), int(attSize.Int64)
	}
	return p, nil
}

// countVisible moves a programme's stored count of visible proposals
// (programmes.proposal_count), inside the transaction that made one
// visible (delta 1) or not (-1).
func countVisible(ctx context.Context, tx *db.Tx, programmeID int64, delta int) error {
	if _, err := tx.Exec(ctx, "UPDATE programmes SET proposal_count = proposal_count + ? WHERE id = ?", delta, programmeID); err != nil {
		return fmt.Errorf("proposals: count: %w", err)
	}
	return nil
}

// Count returns how many of a programme's proposals are visible (neither
// hidden nor merged): the stored count, one row read.
func (s *Service) Count(ctx context.Context, programmeID int64) (int, error) {
	return Counts{DB: s.DB}.Count(ctx, programmeID)
}

// Counts counts proposals with the database alone, so that the programmes
// component, built before this one, can show them on its page.
type Counts struct{ DB *db.DB }

// Count is Service.Count.
func (c Counts) Count(ctx context.Context, programmeID int64) (int, error) {
	var n int
	err := c.DB.QueryRow(ctx, "SELECT proposal_count FROM programmes WHERE id = ?", programmeID).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errs.New(errs.NotFound, "error.404.text")
	}
	if err != nil {
		return 0, fmt.Errorf("proposals: count: %w", err)
	}
	return n, nil
}
