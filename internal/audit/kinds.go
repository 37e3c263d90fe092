package audit

import "github.com/ortaq/ortaq/internal/i18n"

// Kinds are the actions the components record (Entry.Action). Each has a
// label in every language (audit.action.KIND in the catalog); the tests
// check both, and that every action written in the code is listed here.
// A component that records a new kind adds it here and to its catalog.
var Kinds = []string{
	"awards.issue",
	"awards.revoke",
	"calls.assign",
	"calls.create",
	"calls.juror.add",
	"calls.stage.close",
	"elections.candidate_add",
	"elections.candidate_withdraw",
	"elections.candidates_list",
	"elections.close",
	"elections.codes",
	"elections.codes_email",
	"elections.create",
	"elections.open",
	"elections.publish",
	"indicators.create",
	"indicators.import",
	"indicators.update",
	"indicators.values",
	"meetings.agenda_add",
	"meetings.agenda_delete",
	"meetings.agenda_edit",
	"meetings.agenda_move",
	"meetings.attendance",
	"meetings.cancel",
	"meetings.create",
	"meetings.decision",
	"meetings.decision_close",
	"meetings.minutes",
	"meetings.minutes_approve",
	"meetings.question_answer",
	"meetings.question_hide",
	"meetings.question_merge",
	"meetings.question_open",
	"meetings.update",
	"orgs.archive",
	"orgs.create",
	"orgs.delete",
	"orgs.invitation.accept",
	"orgs.invitation.create",
	"orgs.invitation.decline",
	"orgs.invitation.revoke",
	"orgs.member.add",
	"orgs.member.end",
	"orgs.members.import",
	"orgs.move",
	"orgs.regions.import",
	"orgs.registration.add",
	"orgs.registration.change",
	"orgs.restore",
	"orgs.source.add",
	"orgs.source.remove",
	"orgs.update",
	"programmes.create",
	"programmes.update",
	"proposals.answer",
	"proposals.comment_hide",
	"proposals.hidden",
	"proposals.merge",
	"proposals.reports_resolve",
	"proposals.unhidden",
	"reports.create",
	"reports.edit",
	"roadmap.create",
	"roadmap.delete",
	"roadmap.link",
	"roadmap.progress",
	"roadmap.update",
	"role.grant",
	"role.revoke",
	"token.create",
	"user.create",
	"user.delete",
	"user.guardian_change",
	"user.guardian_consent",
	"user.guardian_request",
}

// Label is an action's name for people: its label in p's language, or a
// general "administrative action" for a kind without one (never the key).
func Label(p *i18n.Printer, action string) string {
	if k := "audit.action." + action; p.Has(k) {
		return p.T(k)
	}
	return p.T("audit.action_other")
}
