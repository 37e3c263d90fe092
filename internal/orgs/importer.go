package orgs

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ortaq/ortaq/internal/audit"
	"github.com/ortaq/ortaq/internal/auth"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/kazakh"
	"github.com/ortaq/ortaq/internal/notify"
	"github.com/ortaq/ortaq/internal/tabular"
)

// analyzeAfter is the number of rows from which an import refreshes the
// planner's statistics (db.Analyze).
const analyzeAfter = 1000

// MaxImportRows bounds a member file.
const MaxImportRows = 100_000

// Columns of a member file, and the header names accepted for each (any
// case, either script: headers are compared folded).
var columns = []struct {
	name     string
	required bool
	synonyms []string
}{
	{"name", true, []string{"name", "full name", "аты-жөні", "аты жөні", "толық аты-жөні", "аты", "ФИО", "Ф.И.О.", "имя", "фамилия имя", "фамилия, имя, отчество"}},
	{"email", true, []string{"email", "e-mail", "электрондық пошта", "эл. пошта", "пошта", "электронная почта", "эл. почта", "почта"}},
	{"role", true, []string{"role", "рөлі", "рөл", "лауазымы", "роль", "должность"}},
	{"since", false, []string{"since", "from", "басталуы", "бастап", "мүше болған күні", "мүшелік басталуы", "с", "с даты", "начало", "дата вступления"}},
	{"until", false, []string{"until", "to", "аяқталуы", "дейін", "мүшелік аяқталуы", "по", "до", "окончание", "дата выхода"}},
	{"birth_date", false, []string{"birth_date", "birth date", "date of birth", "туған күні", "туған жылы", "дата рождения"}},
	{"region", false, []string{"region", "өңір", "облыс", "регион", "область"}},
	{"guardian_name", false, []string{"guardian_name", "guardian name", "guardian", "parent", "ата-анасының аты-жөні", "ата-анасы",
		"ата-ана", "қамқоршы", "заңды өкілі", "ФИО родителя", "родитель", "законный представитель", "опекун"}},
	{"guardian_email", false, []string{"guardian_email", "guardian email", "parent email", "ата-анасының поштасы", "ата-ана поштасы",
		"қамқоршының поштасы", "почта родителя", "email родителя", "e-mail родителя", "эл. почта родителя", "почта законного представителя"}},
}

// memberFile is how a member file is read: the columns above, the row cap,
// the registry's own messages.
var memberFile = func() *tabular.Spec {
	spec := &tabular.Spec{MaxRows: MaxImportRows, Keys: importKeys}
	for _, c := range columns {
		spec.Columns = append(spec.Columns, tabular.Column{Name: c.name, Required: c.required, Synonyms: c.synonyms})
	}
	return spec
}()

var importKeys = tabular.Keys{
	BadFile:         "orgs.import.bad_file",
	NotUTF8:         "orgs.import.not_utf8",
	Empty:           "orgs.import.empty",
	TooManyRows:     "orgs.import.too_many_rows",
	UnknownColumn:   "orgs.import.unknown_column",
	DuplicateColumn: "orgs.import.duplicate_column",
	MissingColumn:   "orgs.import.missing_column",
}

// ImportResult counts what an import did.
type ImportResult struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	People    int `json:"people_created"`    // accounts made for people who had none
	Limited   int `json:"limited"`           // of them, minors waiting for a guardian's consent
	Guardians int `json:"guardian_requests"` // guardians sent a consent request
	// Rows naming an account the organization did not make: the person is
	// invited instead of added (docs/decisions/0012-member-invitations.md).
	Invited int `json:"invited"`
}

type importRow struct {
	line                                        int
	name, email, role, since, until, birth, reg string
	guardianName, guardianEmail                 string
	minor                                       bool
}

// cellDate reads a date written as YYYY-MM-DD, DD.MM.YYYY or an Excel
// serial number.
func cellDate(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", true
	}
	for _, layout := range []string{"2006-01-02", "02.01.2006", "2.1.2006", "02/01/2006"} {
		if t, err := time.Parse(layout, v); err == nil && t.Year() >= 1900 && t.Year() <= 2200 {
			return t.Format("2006-01-02"), true
		}
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && f > 1 && f < 120000 {
		if t, err := tabular.ExcelDate(f); err == nil {
			return t.Format("2006-01-02"), true
		}
	}
	return "", false
}

// roleIndex maps role names as people write them in any language to
// identifiers.
func (s *Service) roleIndex() map[string]string {
	m := map[string]string{}
	for _, r := range Roles {
		m[kazakh.Fold(r)] = r
		for _, l := range []i18n.Lang{i18n.KK, i18n.RU, i18n.EN} {
			m[kazakh.Fold(s.catalog.Printer(l).T("orgs.role."+r))] = r
		}
	}
	return m
}

// regionWords are dropped when matching region names ("Шымкент қаласы" =
// "Шымкент" = "г. Шымкент").
var regionWords = map[string]bool{}

func init() {
	for _, w := range []string{"қаласы", "облысы", "қ", "обл", "город", "г", "область", "region", "city", "oblast"} {
		regionWords[kazakh.Fold(w)] = true
	}
}

func regionKey(s string) string {
	var out []string
	for _, w := range strings.Fields(kazakh.Fold(s)) {
		if !regionWords[w] {
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}

func (s *Service) regionIndex() map[string]string {
	m := map[string]string{}
	for _, r := range s.regions.All() {
		if r.Parent != "KZ" {
			continue
		}
		m[strings.ToLower(r.Code)] = r.Code
		for _, n := range r.Name {
			m[regionKey(n)] = r.Code
		}
	}
	return m
}

// parseMembers validates a whole member file and returns its rows, or an
// Invalid error listing every bad row.
func (s *Service) parseMembers(table *tabular.Table, now time.Time) ([]importRow, error) {
	var fs errs.Fields
	get := func(rec tabular.Row, name string) string { return rec.Get(name) }
	roles, regs := s.roleIndex(), s.regionIndex()
	day := today(now)
	seen := map[string]int{}     // email|role|since → row
	open := map[string]int{}     // email|role of terms without an end → row
	names := map[string]string{} // email → name, to keep one person one name
	var out []importRow
	for _, rec := range table.Rows {
		line := rec.Line
		r := importRow{line: line, name: strings.Join(strings.Fields(get(rec, "name")), " "),
			email: strings.ToLower(get(rec, "email"))}
		n := len(fs)
		checkText(&fs, "name", r.name, true, MaxPersonName, false)
		switch {
		case r.email == "":
			fs.Add("email", "validation.required")
		case len(r.email) > 254 || !validEmail(r.email):
			fs.Add("email", "validation.invalid_email")
		}
		if raw := get(rec, "role"); raw != "" {
			if id, ok := roles[kazakh.Fold(raw)]; ok {
				r.role = id
			} else if role, key := normalizeRole(raw); key != "" {
				fs.Add("role", key, "max", MaxRole)
			} else {
				r.role = role
			}
		} else {
			fs.Add("role", "validation.required")
		}
		var ok bool
		if r.since, ok = cellDate(get(rec, "since")); !ok {
			fs.Add("since", "validation.invalid_date")
		}
		if r.until, ok = cellDate(get(rec, "until")); !ok {
			fs.Add("until", "validation.invalid_date")
		}
		if r.since != "" && r.until != "" && r.until < r.since {
			fs.Add("until", "orgs.until_before_since")
		}
		if r.birth, ok = cellDate(get(rec, "birth_date")); !ok {
			fs.Add("birth_date", "validation.invalid_date")
		} else if r.birth != "" {
			switch a := ageOn(r.birth, now); {
			case r.birth > day:
				fs.Add("birth_date", "validation.date_in_future")
			case a < auth.MinAge:
				fs.Add("birth_date", "orgs.import.too_young", "min", auth.MinAge)
			case a < auth.AdultAge:
				r.minor = true
			}
		}
		// A guardian is asked only for a minor (an adult's is ignored), but
		// what is given is checked: both the name and the address, the
		// address not the person's own.
		{
			r.guardianName = strings.Join(strings.Fields(get(rec, "guardian_name")), " ")
			r.guardianEmail = strings.ToLower(get(rec, "guardian_email"))
			checkText(&fs, "guardian_name", r.guardianName, r.guardianEmail != "", MaxPersonName, false)
			switch {
			case r.guardianEmail == "" && r.guardianName != "":
				fs.Add("guardian_email", "validation.required")
			case r.guardianEmail == "":
			case len(r.guardianEmail) > 254 || !validEmail(r.guardianEmail):
				fs.Add("guardian_email", "validation.invalid_email")
			case r.guardianEmail == r.email:
				fs.Add("guardian_email", "orgs.import.guardian_self")
			}
		}
		if raw := get(rec, "region"); raw != "" {
			if code, ok := regs[strings.ToLower(raw)]; ok {
				r.reg = code
			} else if code, ok := regs[regionKey(raw)]; ok {
				r.reg = code
			} else {
				fs.Add("region", "orgs.import.unknown_region")
			}
		}
		if len(fs) == n && r.email != "" {
			key := r.email + "|" + r.role + "|" + r.since
			if first, dup := seen[key]; dup {
				fs.Add("email", "orgs.import.duplicate_row", "row", first)
			} else {
				seen[key] = line
			}
			if r.until == "" {
				k := r.email + "|" + r.role
				if first, dup := open[k]; dup && len(fs) == n {
					fs.Add("email", "orgs.import.duplicate_row", "row", first)
				}
				open[k] = line
			}
			if prev, ok := names[r.email]; ok && prev != r.name && len(fs) == n {
				fs.Add("name", "orgs.import.name_differs")
			}
			names[r.email] = r.name
		}
		for j := n; j < len(fs); j++ {
			fs[j].Row = line
		}
		out = append(out, r)
	}
	if len(fs) > 0 {
		return nil, fs.Err()
	}
	if len(out) == 0 {
		return nil, errs.New(errs.Invalid, "orgs.import.empty")
	}
	return out, nil
}

func ageOn(birth string, now time.Time) int {
	b, err := time.Parse("2006-01-02", birth)
	if err != nil {
		return -1
	}
	n := now.In(i18n.Almaty)
	y := n.Year() - b.Year()
	if n.Month() < b.Month() || (n.Month() == b.Month() && n.Day() < b.Day()) {
		y--
	}
	return y
}

// ImportMembers imports a member file into orgID, all or nothing. Every
// row is checked first; if any is wrong, nothing is written and the error
// lists each bad row (Row = the file's row, the header being 1). People are
// matched by email; those without an account get one, confirmed, without
// a password (they set one with "forgot password"), made by this
// organization (users.created_by_org). People under 18 get a limited
// account: they are neither listed nor counted until a guardian consents.
// A membership is the same when person, role and start date match; running
// the same file again changes nothing. A new membership of an account the
// organization did not make is an invitation the person accepts (a
// platform administrator's import adds them at once).
func (s *Service) ImportMembers(ctx context.Context, actor *auth.User, orgID int64, data []byte) (ImportResult, error) {
	var res ImportResult
	if err := s.auth.Require(ctx, actor, orgID, auth.OrgAdmin); err != nil {
		return res, err
	}
	table, err := tabular.Read(data, memberFile)
	if err != nil {
		return res, err
	}
	rows, err := s.parseMembers(table, s.db.Now())
	if err != nil {
		return res, err
	}
	var consents []consentRequest
	var batch notify.Batch
	err = s.db.Write(ctx, func(tx *db.Tx) error {
		batch = notify.Batch{}
		res = ImportResult{}
		o, err := getOrg(ctx, tx, orgID)
		if err != nil {
			return err
		}
		if o.Archived() {
			return errs.New(errs.Conflict, "orgs.archived")
		}
		// Imports into one organization run one after another.
		if _, err := tx.Exec(ctx, "UPDATE organizations SET member_count = member_count WHERE id = ?", orgID); err != nil {
			return err
		}
		ids, people, pending, err := s.ensurePeople(ctx, tx, orgID, rows, &res)
		if err != nil {
			return err
		}
		consents = pending
		if err := s.applyMemberships(ctx, tx, actor, o, rows, ids, people, &res, &batch); err != nil {
			return err
		}
		if err := recount(ctx, tx, orgID); err != nil {
			return err
		}
		res.Guardians = len(consents)
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.ID, Action: "orgs.members.import", TargetType: "organization",
			TargetID: strconv.FormatInt(orgID, 10), OrgID: orgID, After: res})
	})
	if err != nil {
		return res, err
	}
	s.sendNotes(&batch)
	// A large import changes what the member list should be planned for.
	if res.Created+res.Updated >= analyzeAfter {
		if err := s.db.Analyze(ctx, "users", "memberships", "organizations"); err != nil {
			s.log.Warn("orgs: import: refresh statistics", "err", err)
		}
	}
	// The members are in; now the guardians of minors are asked (as at
	// sign-up: one link each, by email). A failure here is logged: the
	// import stands, and the request can be sent again from the member
	// page.
	for _, c := range consents {
		if _, err := s.auth.RequestGuardianConsent(ctx, orgID, c.userID, c.name, c.email); err != nil {
			s.log.Error("orgs: import: guardian consent request", "user", c.userID, "err", err)
		}
	}
	return res, nil
}

// consentRequest is a guardian to ask once an import is written.
type consentRequest struct {
	userID      int64
	name, email string
}

const chunk = 400

// ensurePeople finds every row's person by email, creating the missing
// accounts in bulk (made by orgID: users.created_by_org), and returns
// email → id and id → person.
//
// It also returns the guardians to ask for consent: those given for minors
// whose accounts the import creates, and for accounts this organization
// made earlier that still wait for a consent without any guardian recorded
// (made by an earlier import without a guardian column). A guardian a minor
// named at sign-up, or one already named, is never replaced, and the
// guardians of accounts other organizations or people made are not
// touched (docs/decisions/0003-minors.md).
func (s *Service) ensurePeople(ctx context.Context, tx *db.Tx, orgID int64, rows []importRow, res *ImportResult) (map[string]int64, map[int64]person, []consentRequest, error) {
	ids := map[string]int64{}
	people := map[int64]person{}
	var pending []consentRequest
	var emails []string
	first := map[string]importRow{}
	for _, r := range rows {
		if _, ok := first[r.email]; !ok {
			first[r.email] = r
			emails = append(emails, r.email)
		}
	}
	lookup := func(list []string) error {
		for i := 0; i < len(list); i += chunk {
			part := list[i:min(i+chunk, len(list))]
			args := make([]any, len(part))
			for j, e := range part {
				args[j] = e
			}
			q, err := tx.Query(ctx, `SELECT id, email, name, COALESCE(created_by_org, 0), (consent_required = TRUE AND guardian_consent_at IS NULL
				AND guardian_email IS NULL AND deleted_at IS NULL) FROM users WHERE email IN (`+db.Placeholders(len(part))+")", args...)
			if err != nil {
				return fmt.Errorf("orgs: import: people: %w", err)
			}
			for q.Next() {
				var id int64
				var e string
				var p person
				var waiting bool
				if err := q.Scan(&id, &e, &p.name, &p.createdBy, &waiting); err != nil {
					q.Close()
					return err
				}
				p.id = id
				ids[e], people[id] = id, p
				if r := first[e]; waiting && p.createdBy == orgID && r.guardianEmail != "" {
					pending = append(pending, consentRequest{id, r.guardianName, r.guardianEmail})
				}
			}
			q.Close()
			if err := q.Err(); err != nil {
				return err
			}
		}
		return nil
	}
	if err := lookup(emails); err != nil {
		return nil, nil, nil, err
	}
	var missing []string
	for _, e := range emails {
		if _, ok := ids[e]; !ok {
			missing = append(missing, e)
		}
	}
	for i := 0; i < len(missing); i += chunk {
		part := missing[i:min(i+chunk, len(missing))]
		var sb strings.Builder
		args := make([]any, 0, len(part)*10)
		sb.WriteString(`INSERT INTO users (email, name, birth_date, region, lang, email_confirmed_at, consent_required,
			created_by_org, created_at, updated_at) VALUES `)
		for j, e := range part {
			if j > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(?, ?, ?, ?, 'kk', ?, ?, ?, ?, ?)")
			r := first[e]
			args = append(args, e, r.name, db.NullStr(r.birth), db.NullStr(r.reg), tx.Now, r.minor, orgID, tx.Now, tx.Now)
			if r.minor {
				res.Limited++
			}
		}
		sb.WriteString(" ON CONFLICT (email) DO NOTHING RETURNING id, email")
		q, err := tx.Query(ctx, sb.String(), args...)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("orgs: import: create people: %w", err)
		}
		for q.Next() {
			var id int64
			var e string
			if err := q.Scan(&id, &e); err != nil {
				q.Close()
				return nil, nil, nil, err
			}
			ids[e], people[id] = id, person{id: id, name: first[e].name, createdBy: orgID}
			res.People++
			if r := first[e]; r.minor && r.guardianEmail != "" {
				pending = append(pending, consentRequest{id, r.guardianName, r.guardianEmail})
			}
		}
		q.Close()
		if err := q.Err(); err != nil {
			return nil, nil, nil, err
		}
	}
	// Someone who signed up meanwhile: their account is the one.
	var still []string
	for _, e := range missing {
		if _, ok := ids[e]; !ok {
			still = append(still, e)
		}
	}
	if len(still) > 0 {
		if err := lookup(still); err != nil {
			return nil, nil, nil, err
		}
	}
	return ids, people, pending, nil
}

type termKey struct {
	user        int64
	role, since string
}

type roleKey struct {
	user int64
	role string
}

type existing struct {
	id           int64
	since, until string
}

// applyMemberships writes the file's memberships: a row matching a
// membership the organization has (the same term, or the open term in that
// role) updates it; a new one is added when the organization made the
// account (or a platform administrator imports), and is an invitation to
// the person otherwise.
func (s *Service) applyMemberships(ctx context.Context, tx *db.Tx, actor *auth.User, o *Org, rows []importRow, ids map[string]int64,
	people map[int64]person, res *ImportResult, b *notify.Batch) error {
	orgID := o.ID
	exact := map[termKey]existing{}
	open := map[roleKey]existing{}
	q, err := tx.Query(ctx, "SELECT id, user_id, role, COALESCE(since, ''), COALESCE(until, '') FROM memberships WHERE org_id = ?", orgID)
	if err != nil {
		return fmt.Errorf("orgs: import: memberships: %w", err)
	}
	for q.Next() {
		var e existing
		var uid int64
		var role string
		if err := q.Scan(&e.id, &uid, &role, &e.since, &e.until); err != nil {
			q.Close()
			return err
		}
		exact[termKey{uid, role, e.since}] = e
		if e.until == "" {
			open[roleKey{uid, role}] = e
		}
	}
	q.Close()
	if err := q.Err(); err != nil {
		return err
	}
	var inserts []importRow
	for _, r := range rows {
		uid := ids[r.email]
		if e, ok := exact[termKey{uid, r.role, r.since}]; ok {
			if e.until == r.until {
				res.Unchanged++
				continue
			}
			if o, ok := open[roleKey{uid, r.role}]; ok && r.until == "" && o.id != e.id {
				// Reopening would give the person two open terms in one role.
				res.Unchanged++
				continue
			}
			if _, err := tx.Exec(ctx, "UPDATE memberships SET until = ?, updated_at = ? WHERE id = ?", db.NullStr(r.until), tx.Now, e.id); err != nil {
				return err
			}
			res.Updated++
			continue
		}
		if o, ok := open[roleKey{uid, r.role}]; ok {
			// The person's open term in this role, with another start date
			// (or now an end date): the file corrects it.
			if _, err := tx.Exec(ctx, "UPDATE memberships SET since = ?, until = ?, updated_at = ? WHERE id = ?",
				db.NullStr(r.since), db.NullStr(r.until), tx.Now, o.id); err != nil {
				return err
			}
			res.Updated++
			continue
		}
		if p := people[uid]; !actor.IsAdmin && p.createdBy != orgID {
			if err := s.inviteRow(ctx, tx, actor, o, r, p, b); err != nil {
				return err
			}
			res.Invited++
			continue
		}
		inserts = append(inserts, r)
	}
	for i := 0; i < len(inserts); i += chunk {
		part := inserts[i:min(i+chunk, len(inserts))]
		var sb strings.Builder
		args := make([]any, 0, len(part)*9)
		sb.WriteString("INSERT INTO memberships (org_id, user_id, role, since, until, name_key, source, created_at, updated_at) VALUES ")
		for j, r := range part {
			if j > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?)")
			p := people[ids[r.email]]
			source := "import"
			if p.createdBy != orgID {
				source = "platform_admin" // a platform administrator's import of someone else's account
			}
			args = append(args, orgID, p.id, r.role, db.NullStr(r.since), db.NullStr(r.until), nameKey(p.name), source, tx.Now, tx.Now)
		}
		sb.WriteString(" ON CONFLICT DO NOTHING")
		out, err := tx.Exec(ctx, sb.String(), args...)
		if err != nil {
			return fmt.Errorf("orgs: import: insert memberships: %w", err)
		}
		n, _ := out.RowsAffected()
		res.Created += int(n)
		res.Unchanged += len(part) - int(n)
	}
	return nil
}
