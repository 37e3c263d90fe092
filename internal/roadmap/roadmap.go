// Package roadmap turns accepted proposals into a programme's roadmap:
// items with a responsible organization, a deadline, a status and a
// progress, linked to the proposals they answer, with dated updates.
package roadmap

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/notify"
	"github.com/ortaq/ortaq/internal/programmes"
	"github.com/ortaq/ortaq/internal/proposals"
)

// Statuses of an item.
var Statuses = []string{"planned", "in_progress", "done", "cancelled"}

// Item is one roadmap item.
type Item struct {
	ID              int64
	ProgrammeID     int64
	DirectionID     int64
	Title           i18n.Text
	ResponsibleID   int64
	ResponsibleName i18n.Text
	Deadline        string
	Status          string
	Progress        int
	Links           []Linked
	Updates         []Update
}

// Linked is a proposal an item answers.
type Linked struct {
	ProposalID   int64
	Title        string
	SupportCount int
}

// Update is a dated note on an item's progress.
type Update struct {
	Status    string
	Progress  int
	Note      string
	CreatedAt time.Time
}

// Ref is where a proposal went on a roadmap, as the proposals component
// shows it.
type Ref = proposals.RoadmapRef

// Service keeps roadmaps.
type Service struct {
	DB         *db.DB
	Auth       *auth.Service
	Programmes *programmes.Service
	Proposals  *proposals.Service
	Notify     *notify.Service
}

// Deps are what the roadmap service needs.
type Deps struct {
	DB         *db.DB
	Auth       *auth.Service
	Programmes *programmes.Service
	Proposals  *proposals.Service
	Notify     *notify.Service
}

// New returns the service.
func New(d Deps) *Service {
	return &Service{DB: d.DB, Auth: d.Auth, Programmes: d.Programmes, Proposals: d.Proposals, Notify: d.Notify}
}

// ItemInput is what an administrator writes.
type ItemInput struct {
	Title         i18n.Text
	DirectionID   int64
	ResponsibleID int64
	Deadline      string
	Status        string
	Progress      int
}

func (s *Service) admin(ctx context.Context, u *auth.User, programmeID int64) (*programmes.Programme, error) {
	p, err := s.Programmes.Cached(ctx, programmeID)
	if err != nil {
		return nil, err
	}
	return p, s.Auth.Require(ctx, u, p.OrgID, auth.OrgAdmin)
}

// check validates an item's fields against its programme.
func check(p *programmes.Programme, in *ItemInput) error {
	var fs errs.Fields
	in.Title.KK, in.Title.RU, in.Title.EN = strings.TrimSpace(in.Title.KK), strings.TrimSpace(in.Title.RU), strings.TrimSpace(in.Title.EN)
	if in.Title.KK == "" && in.Title.RU == "" {
		fs.Add("title.kk", "validation.required")
	}
	for f, v := range map[string]string{"title.kk": in.Title.KK, "title.ru": in.Title.RU, "title.en": in.Title.EN} {
		if utf8.RuneCountInString(v) > 300 {
			fs.Add(f, "validation.too_long", "max", 300)
		}
	}
	if in.DirectionID != 0 {
		if _, ok := p.Direction(in.DirectionID); !ok {
			fs.Add("direction_id", "validation.invalid_choice")
		}
	}
	if in.Status == "" {
		in.Status = "planned"
	}
	if !slices.Contains(Statuses, in.Status) {
		fs.Add("status", "validation.invalid_choice")
	}
	if in.Progress < 0 || in.Progress > 100 {
		fs.Add("progress", "roadmap.progress_range")
	}
	in.Deadline = strings.TrimSpace(in.Deadline)
	programmes.CheckDate(&fs, "deadline", in.Deadline)
	return fs.Err()
}

// checkResponsible refuses an organization that does not exist (inside tx).
func checkResponsible(ctx context.Context, tx *db.Tx, id int64) error {
	if id == 0 {
		return nil
	}
	ok, err := tx.Exists(ctx, "SELECT 1 FROM organizations WHERE id = ?", id)
	if err != nil {
		return err
	}
	if !ok {
		var fs errs.Fields
		fs.Add("responsible_id", "programmes.unknown_org")
		return fs.Err()
	}
	return nil
}

// Create adds an item (administrators of the programme's organization),
// linked to the accepted proposals given: the item and its links are
// written together or not at all.
func (s *Service) Create(ctx context.Context, u *auth.User, programmeID int64, in ItemInput, links ...int64) (*Item, error) {
	p, err := s.admin(ctx, u, programmeID)
	if err != nil {
		return nil, err
	}
	if err := check(p, &in); err != nil {
		return nil, err
	}
	var fs errs.Fields
	var prs []*proposals.Proposal
	for _, pid := range links {
		pr, err := s.linkable(ctx, pid, programmeID, "proposal_ids", &fs)
		if err != nil {
			return nil, err
		}
		if pr != nil {
			prs = append(prs, pr)
		}
	}
	if err := fs.Err(); err != nil {
		return nil, err
	}
	var id int64
	var batch notify.Batch
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := checkResponsible(ctx, tx, in.ResponsibleID); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO roadmap_items (programme_id, direction_id, title_kk, title_ru, title_en,
			responsible_org_id, deadline, status, progress, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			programmeID, nullInt(in.DirectionID), in.Title.KK, in.Title.RU, in.Title.EN, nullInt(in.ResponsibleID),
			db.NullStr(in.Deadline), in.Status, in.Progress, tx.Now, tx.Now).Scan(&id); err != nil {
			return fmt.Errorf("roadmap: create: %w", err)
		}
		if err := audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "roadmap.create", TargetType: "roadmap_item",
			TargetID: strconv.FormatInt(id, 10), OrgID: p.OrgID, After: in}); err != nil {
			return err
		}
		for _, pr := range prs {
			if err := s.linkTx(ctx, tx, &batch, u, p.OrgID, id, in.Title.KK, pr); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.Notify.Send(&batch)
	return s.Get(ctx, id)
}

// Update changes an item's title, direction, responsible organization and
// deadline (administrators); its status and progress change through
// Progress, which keeps a dated update.
func (s *Service) Update(ctx context.Context, u *auth.User, itemID int64, in ItemInput) (*Item, error) {
	it, err := s.Get(ctx, itemID)
	if err != nil {
		return nil, err
	}
	p, err := s.admin(ctx, u, it.ProgrammeID)
	if err != nil {
		return nil, err
	}
	in.Status, in.Progress = it.Status, it.Progress
	if err := check(p, &in); err != nil {
		return nil, err
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := checkResponsible(ctx, tx, in.ResponsibleID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE roadmap_items SET title_kk = ?, title_ru = ?, title_en = ?, direction_id = ?,
			responsible_org_id = ?, deadline = ?, updated_at = ? WHERE id = ?`, in.Title.KK, in.Title.RU, in.Title.EN,
			nullInt(in.DirectionID), nullInt(in.ResponsibleID), db.NullStr(in.Deadline), tx.Now, itemID); err != nil {
			return fmt.Errorf("roadmap: update: %w", err)
		}
		before := ItemInput{Title: it.Title, DirectionID: it.DirectionID, ResponsibleID: it.ResponsibleID, Deadline: it.Deadline,
			Status: it.Status, Progress: it.Progress}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "roadmap.update", TargetType: "roadmap_item",
			TargetID: strconv.FormatInt(itemID, 10), OrgID: p.OrgID, Before: before, After: in})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, itemID)
}

// Delete removes an item with its links to proposals and its updates
// (administrators); the audit entry keeps what it was. The proposals stay
// as they are, answered.
func (s *Service) Delete(ctx context.Context, u *auth.User, itemID int64) (*Item, error) {
	it, err := s.Get(ctx, itemID)
	if err != nil {
		return nil, err
	}
	p, err := s.admin(ctx, u, it.ProgrammeID)
	if err != nil {
		return nil, err
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		for _, q := range []string{"DELETE FROM roadmap_links WHERE item_id = ?", "DELETE FROM roadmap_updates WHERE item_id = ?",
			"DELETE FROM roadmap_items WHERE id = ?"} {
			if _, err := tx.Exec(ctx, q, itemID); err != nil {
				return fmt.Errorf("roadmap: delete: %w", err)
			}
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "roadmap.delete", TargetType: "roadmap_item",
			TargetID: strconv.FormatInt(itemID, 10), OrgID: p.OrgID, Before: it})
	})
	if err != nil {
		return nil, err
	}
	return it, nil
}

// Org is an organization an item can be given to.
type Org struct {
	ID   int64
	Name i18n.Text
}

// MaxResponsibleChoices bounds the list of organizations offered.
const MaxResponsibleChoices = 300

// ResponsibleChoices lists the organizations under the programme's owner
// (the owner first, then its tree in order), not archived, at most
// MaxResponsibleChoices: the choices for an item's responsible
// organization.
func (s *Service) ResponsibleChoices(ctx context.Context, p *programmes.Programme) ([]Org, error) {
	rows, err := s.DB.Query(ctx, `SELECT o.id, o.name_kk, o.name_ru, o.name_en FROM organizations o
		JOIN organizations top ON top.id = ? WHERE substr(o.path, 1, length(top.path)) = top.path AND o.archived_at IS NULL
		ORDER BY o.path LIMIT ?`, p.OrgID, MaxResponsibleChoices)
	if err != nil {
		return nil, fmt.Errorf("roadmap: organizations: %w", err)
	}
	defer rows.Close()
	var out []Org
	for rows.Next() {
		var o Org
		if err := rows.Scan(&o.ID, &o.Name.KK, &o.Name.RU, &o.Name.EN); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// Progress records a dated update of an item's status and progress.
func (s *Service) Progress(ctx context.Context, u *auth.User, itemID int64, status string, progress int, note string) (*Item, error) {
	it, err := s.Get(ctx, itemID)
	if err != nil {
		return nil, err
	}
	p, err := s.admin(ctx, u, it.ProgrammeID)
	if err != nil {
		return nil, err
	}
	var fs errs.Fields
	if !slices.Contains(Statuses, status) {
		fs.Add("status", "validation.invalid_choice")
	}
	if progress < 0 || progress > 100 {
		fs.Add("progress", "roadmap.progress_range")
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > 2000 {
		fs.Add("note", "validation.too_long", "max", 2000)
	}
	if err := fs.Err(); err != nil {
		return nil, err
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE roadmap_items SET status = ?, progress = ?, updated_at = ? WHERE id = ?", status, progress, tx.Now, itemID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO roadmap_updates (item_id, author_id, status, progress, note, created_at) VALUES (?, ?, ?, ?, ?, ?)",
			itemID, u.ID, status, progress, note, tx.Now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "roadmap.progress", TargetType: "roadmap_item",
			TargetID: strconv.FormatInt(itemID, 10), OrgID: p.OrgID,
			Before: map[string]any{"status": it.Status, "progress": it.Progress}, After: map[string]any{"status": status, "progress": progress, "note": note}})
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, itemID)
}

// Link ties an accepted proposal of the same programme to an item; the
// author and the proposal's followers are told where it went.
func (s *Service) Link(ctx context.Context, u *auth.User, itemID, proposalID int64) error {
	it, err := s.Get(ctx, itemID)
	if err != nil {
		return err
	}
	p, err := s.admin(ctx, u, it.ProgrammeID)
	if err != nil {
		return err
	}
	var fs errs.Fields
	pr, err := s.linkable(ctx, proposalID, it.ProgrammeID, "proposal_id", &fs)
	if err != nil {
		return err
	}
	if err := fs.Err(); err != nil {
		return err
	}
	var batch notify.Batch
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		return s.linkTx(ctx, tx, &batch, u, p.OrgID, itemID, it.Title.KK, pr)
	})
	if err == nil {
		s.Notify.Send(&batch)
	}
	return err
}

// linkable returns the proposal when it may be linked to an item of
// programmeID (accepted, visible, not merged, of that programme); else it
// adds to fs, under field, why not, and returns nil.
func (s *Service) linkable(ctx context.Context, proposalID, programmeID int64, field string, fs *errs.Fields) (*proposals.Proposal, error) {
	pr, err := s.Proposals.Get(ctx, proposalID)
	switch {
	case errs.CodeOf(err) == errs.NotFound:
		fs.Add(field, "roadmap.no_such_proposal")
	case err != nil:
		return nil, err
	case pr.ProgrammeID != programmeID:
		fs.Add(field, "roadmap.other_programme")
	case pr.Status != "accepted" || pr.Hidden || pr.MergedInto != 0:
		fs.Add(field, "roadmap.not_accepted")
	default:
		return pr, nil
	}
	return nil, nil
}

// linkTx links pr to item itemID (titled itemTitle) in tx: once (a second
// link is no change), the author and followers told, the audit log kept.
func (s *Service) linkTx(ctx context.Context, tx *db.Tx, batch *notify.Batch, u *auth.User, orgID, itemID int64, itemTitle string, pr *proposals.Proposal) error {
	var got int64
	err := tx.QueryRow(ctx, `INSERT INTO roadmap_links (item_id, proposal_id, created_at) VALUES (?, ?, ?)
		ON CONFLICT (item_id, proposal_id) DO NOTHING RETURNING item_id`, itemID, pr.ID, tx.Now).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // linked already
	}
	if err != nil {
		return err
	}
	followers, err := proposals.Followers(ctx, tx, pr.ID)
	if err != nil {
		return err
	}
	if err := s.Notify.Add(ctx, tx, batch, append([]int64{pr.AuthorID}, followers...), u.ID, "roadmap_link",
		map[string]string{"title": pr.Title, "item": itemTitle}, "/proposals/"+strconv.FormatInt(pr.ID, 10)); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "roadmap.link", TargetType: "roadmap_item",
		TargetID: strconv.FormatInt(itemID, 10), OrgID: orgID, After: map[string]any{"proposal_id": pr.ID}})
}

// Get returns one item with its links and updates.
func (s *Service) Get(ctx context.Context, id int64) (*Item, error) {
	var pid int64
	err := s.DB.QueryRow(ctx, "SELECT programme_id FROM roadmap_items WHERE id = ?", id).Scan(&pid)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.New(errs.NotFound, "error.404.text")
	}
	if err != nil {
		return nil, err
	}
	items, err := s.list(ctx, pid, id)
	if err != nil {
		return nil, err
	}
	if len(items) != 1 {
		return nil, errs.New(errs.NotFound, "error.404.text")
	}
	return &items[0], nil
}

// List returns a programme's items with their links and updates (three
// queries whatever the size).
func (s *Service) List(ctx context.Context, programmeID int64) ([]Item, error) {
	return s.list(ctx, programmeID, 0)
}

func (s *Service) list(ctx context.Context, programmeID, only int64) ([]Item, error) {
	cond, args := "i.programme_id = ?", []any{programmeID}
	if only != 0 {
		cond, args = "i.id = ?", []any{only}
	}
	rows, err := s.DB.Query(ctx, `SELECT i.id, i.programme_id, COALESCE(i.direction_id, 0), i.title_kk, i.title_ru, i.title_en,
		COALESCE(i.responsible_org_id, 0), COALESCE(o.name_kk, ''), COALESCE(o.name_ru, ''), COALESCE(o.name_en, ''),
		COALESCE(i.deadline, ''), i.status, i.progress
		FROM roadmap_items i LEFT JOIN organizations o ON o.id = i.responsible_org_id WHERE `+cond+` ORDER BY i.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("roadmap: list: %w", err)
	}
	var items []Item
	idx := map[int64]int{}
	for rows.Next() {
		var it Item
		if err := rows.Scan(&it.ID, &it.ProgrammeID, &it.DirectionID, &it.Title.KK, &it.Title.RU, &it.Title.EN, &it.ResponsibleID,
			&it.ResponsibleName.KK, &it.ResponsibleName.RU, &it.ResponsibleName.EN, &it.Deadline, &it.Status, &it.Progress); err != nil {
			rows.Close()
			return nil, err
		}
		idx[it.ID] = len(items)
		items = append(items, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = s.DB.Query(ctx, `SELECT l.item_id, p.id, p.title, t.support_count FROM roadmap_links l
		JOIN roadmap_items i ON i.id = l.item_id JOIN proposals p ON p.id = l.proposal_id JOIN proposal_tallies t ON t.proposal_id = p.id
		WHERE `+cond+` AND p.hidden = FALSE ORDER BY t.support_count DESC, p.id`, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var item int64
		var l Linked
		if err := rows.Scan(&item, &l.ProposalID, &l.Title, &l.SupportCount); err != nil {
			rows.Close()
			return nil, err
		}
		if i, ok := idx[item]; ok {
			items[i].Links = append(items[i].Links, l)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = s.DB.Query(ctx, `SELECT u.item_id, u.status, u.progress, u.note, u.created_at FROM roadmap_updates u
		JOIN roadmap_items i ON i.id = u.item_id WHERE `+cond+` ORDER BY u.id DESC`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var item int64
		var up Update
		var at db.Time
		if err := rows.Scan(&item, &up.Status, &up.Progress, &up.Note, &at); err != nil {
			return nil, err
		}
		up.CreatedAt = at.Time
		if i, ok := idx[item]; ok {
			items[i].Updates = append(items[i].Updates, up)
		}
	}
	return items, rows.Err()
}

// ForProposal returns the items a proposal is linked to.
func (s *Service) ForProposal(ctx context.Context, proposalID int64) ([]Ref, error) {
	return Links{DB: s.DB}.ForProposal(ctx, proposalID)
}

// Links reads which roadmap items proposals are linked to with the
// database alone, so that the proposals component, built before this one,
// can show them (it is their proposals.Roadmaps).
type Links struct{ DB *db.DB }

// ForProposal returns the items a proposal is linked to.
func (l Links) ForProposal(ctx context.Context, proposalID int64) ([]Ref, error) {
	rows, err := l.DB.Query(ctx, `SELECT i.id, i.programme_id, i.title_kk, i.title_ru, i.title_en, i.status, i.progress
		FROM roadmap_links l JOIN roadmap_items i ON i.id = l.item_id WHERE l.proposal_id = ? ORDER BY i.id`, proposalID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Ref
	for rows.Next() {
		var r Ref
		if err := rows.Scan(&r.ItemID, &r.ProgrammeID, &r.Title.KK, &r.Title.RU, &r.Title.EN, &r.Status, &r.Progress); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Overall is the mean progress of the items that are not cancelled.
func Overall(items []Item) int {
	sum, n := 0, 0
	for _, it := range items {
		if it.Status == "cancelled" {
			continue
		}
		sum += it.Progress
		n++
	}
	if n == 0 {
		return 0
	}
	return (sum + n/2) / n
}

func nullInt(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}
