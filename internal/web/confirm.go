package web

import (
	"net/http"
	"net/url"
)

// Confirmation is the step before an irreversible act (approving minutes,
// opening or closing a vote, publishing results, deleting or archiving,
// issuing voting codes): a page that says what will happen, with a button
// that posts the same form again, confirmed. It works without JavaScript.
// The act's handler checks the permission first, then, when the form is
// not Confirmed, renders this page (Server.Confirm) instead of acting. The
// JSON API acts at once: confirmation is a page thing.
type Confirmation struct {
	Title  string     // translated: the act, as a question ("Close voting in …?")
	Lines  []string   // translated: what will happen
	Warn   []string   // translated: what the person should weigh (a quorum not reached)
	Action string     // the act's POST path, without the language
	Submit string     // translated text of the button
	Back   string     // where "cancel" leads, without the language
	Danger bool       // a red button (deleting)
	Undo   string     // translated: how it can be undone ("": it cannot, and the page says so)
	Keep   url.Values // posted fields to post again (a checkbox of the first form)
}

// ConfirmField is the posted field that says the act was confirmed.
const ConfirmField = "confirmed"

// Confirmed reports whether the posted form comes from a confirmation page.
func Confirmed(r *http.Request) bool { return r.PostFormValue(ConfirmField) == "1" }

// Confirm renders the confirmation page (200).
func (s *Server) Confirm(w http.ResponseWriter, r *http.Request, c *Confirmation) {
	s.Render(w, r, http.StatusOK, "confirm_act", &PageData{Title: c.Title, Data: c})
}
