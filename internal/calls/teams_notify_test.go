package calls_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/apptest"
	"github.com/ortaq/ortaq/internal/calls"
	"github.com/ortaq/ortaq/internal/config"
	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
)

const fakeBotToken = "123456:calls-test"

// fakeBot is a Telegram Bot API on loopback with what the bot calls:
// getMe, deleteWebhook, getUpdates (nothing ever arrives) and
// sendMessage, whose texts it keeps by chat.
type fakeBot struct {
	*httptest.Server
	mu   sync.Mutex
	sent map[int64][]string
}

func newFakeBot(t *testing.T) *fakeBot {
	f := &fakeBot{sent: map[int64][]string{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeBot) serve(w http.ResponseWriter, r *http.Request) {
	method, ok := strings.CutPrefix(r.URL.Path, "/bot"+fakeBotToken+"/")
	w.Header().Set("Content-Type", "application/json")
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		json.NewEncoder(w).Encode(map[string]any{"ok": false, "error_code": 401, "description": "Unauthorized"})
		return
	}
	_ = r.ParseMultipartForm(1 << 20)
	var result any
	switch method {
	case "getMe":
		result = map[string]any{"id": 123456, "is_bot": true, "first_name": "Ortaq", "username": "ortaq_calls_bot"}
	case "deleteWebhook":
		result = true
	case "getUpdates":
		select {
		case <-time.After(time.Second):
		case <-r.Context().Done():
			return
		}
		result = []any{}
	case "sendMessage":
		chat, _ := strconv.ParseInt(r.FormValue("chat_id"), 10, 64)
		f.mu.Lock()
		f.sent[chat] = append(f.sent[chat], r.FormValue("text"))
		f.mu.Unlock()
		result = map[string]any{"message_id": 1, "date": 0, "chat": map[string]any{"id": chat, "type": "private"}, "text": r.FormValue("text")}
	default:
		w.WriteHeader(http.StatusNotFound)
		json.NewEncoder(w).Encode(map[string]any{"ok": false, "error_code": 404, "description": "Not Found"})
		return
	}
	json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": result})
}

// waitFor waits until chat got a message containing every fragment.
func (f *fakeBot) waitFor(t *testing.T, chat int64, fragments ...string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		f.mu.Lock()
		msgs := append([]string(nil), f.sent[chat]...)
		f.mu.Unlock()
	next:
		for _, m := range msgs {
			for _, fr := range fragments {
				if !strings.Contains(m, fr) {
					continue next
				}
			}
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("chat %d got no message with %q; got %q", chat, fragments, msgs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func execSQL(t *testing.T, d *db.DB, q string, args ...any) {
	t.Helper()
	ctx := context.Background()
	if err := d.Write(ctx, func(tx *db.Tx) error { _, err := tx.Exec(ctx, q, args...); return err }); err != nil {
		t.Fatal(err)
	}
}

// When a team advances, every confirmed member is told, not only the
// lead: by Telegram when they linked it, else by email, each in their
// own language; a member who declined hears nothing. A team moved up in
// place of one that declined is told the same way.
func TestTeamMembersAreToldOfAdvancement(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		bot := newFakeBot(t)
		env := apptest.Start(t, d, apptest.Options{Config: func(c *config.Config) {
			c.TelegramToken = fakeBotToken
			c.TelegramAPIURL = bot.URL
		}})
		org := env.NewOrg(0, "IT-хаб")
		organizer := env.NewPerson()
		env.Grant(organizer, org, "moderator")
		otok := token(t, env, organizer)
		c := env.Client()
		now := env.Clock.Now()
		stage := func(title string, from, to time.Duration) string {
			return fmt.Sprintf(`{"title":{"kk":%q,"ru":%q},"opens_at":%q,"closes_at":%q,"criteria":[{"key":"idea","title":{"kk":"Идея"},"weight":1,"max":10}],"advance":1,"jurors_per_application":1}`,
				title, title+" (ru)", now.Add(from).Format(time.RFC3339), now.Add(to).Format(time.RFC3339))
		}
		call := decode[calls.CallOut](t, js(env, c, "POST", "/api/v1/calls", otok, fmt.Sprintf(`{"organization_id":"%d","kind":"contest",
			"title":{"kk":"Хакатон","ru":"Хакатон-ru"},"form":[{"key":"idea","label":{"kk":"Идея"},"type":"long_text","required":true}],
			"team":{"min":2,"max":4},"stages":[%s,%s]}`, org, stage("Іріктеу", -time.Hour, 48*time.Hour), stage("Финал", 72*time.Hour, 96*time.Hour))), 201)
		s1 := call.Stages[0].ID
		path := "/api/v1/calls/" + call.ID + "/applications"

		// Team A: the lead, a member who reads Russian and linked Telegram, a
		// member by email, and one who declines. Team B: a lead and a member.
		leadA, tgMember, mailMember, decliner := env.NewPerson(), env.NewPerson(), env.NewPerson(), env.NewPerson()
		leadB, memberB := env.NewPerson(), env.NewPerson()
		execSQL(t, d, "UPDATE users SET lang = 'ru' WHERE id = ?", tgMember.User.ID)
		if err := d.Write(context.Background(), func(tx *db.Tx) error {
			_, err := tx.Exec(context.Background(), "INSERT INTO telegram_links (user_id, chat_id, linked_at) VALUES (?, ?, ?)", tgMember.User.ID, 7001, tx.Now)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		appA := decode[calls.ApplicationOut](t, js(env, c, "POST", path, token(t, env, leadA),
			fmt.Sprintf(`{"answers":{"idea":"Бот"},"members":[%q,%q,%q]}`, tgMember.Email, mailMember.Email, decliner.Email)), 201)
		appB := decode[calls.ApplicationOut](t, js(env, c, "POST", path, token(t, env, leadB),
			fmt.Sprintf(`{"answers":{"idea":"Сайт"},"members":[%q]}`, memberB.Email)), 201)
		answer := func(p apptest.Person, app string, accept bool) {
			t.Helper()
			wantStatus(t, "answer", js(env, c, "POST", "/api/v1/applications/"+app+"/team", token(t, env, p), fmt.Sprintf(`{"accept":%v}`, accept)), 200, "")
		}
		answer(tgMember, appA.ID, true)
		answer(mailMember, appA.ID, true)
		answer(decliner, appA.ID, false)
		answer(memberB, appB.ID, true)

		juror := env.NewPerson()
		decode[calls.JurorOut](t, js(env, c, "POST", fmt.Sprintf("/api/v1/calls/%s/stages/%s/jurors", call.ID, s1), otok,
			fmt.Sprintf(`{"person_id":"%d"}`, juror.User.ID)), 201)
		decode[calls.AssignOut](t, js(env, c, "POST", fmt.Sprintf("/api/v1/calls/%s/stages/%s/assignments", call.ID, s1), otok, ""), 200)
		jtok := token(t, env, juror)
		for app, score := range map[string]int{appA.ID: 9, appB.ID: 5} {
			wantStatus(t, "score", js(env, c, "PUT", "/api/v1/applications/"+app+"/scores", jtok, fmt.Sprintf(`{"stage_id":%q,"scores":{"idea":%d}}`, s1, score)), 200, "")
		}
		closed := decode[calls.CloseOut](t, js(env, c, "POST", fmt.Sprintf("/api/v1/calls/%s/stages/%s/close", call.ID, s1), otok, ""), 200)
		if len(closed.Advanced) != 1 || closed.Advanced[0] != appA.ID {
			t.Fatalf("advanced %v", closed.Advanced)
		}
		// Every confirmed member of team A, each their own way, in their language.
		for _, p := range []apptest.Person{leadA, mailMember} {
			waitMail(t, env, p.Email, "сіз келесі кезеңге өттіңіз", "«Іріктеу»", "/kk/calls/"+call.ID)
		}
		bot.waitFor(t, 7001, "Хакатон-ru", "Поздравляем", "/ru/calls/"+call.ID)
		time.Sleep(300 * time.Millisecond)
		for _, m := range env.Mail.Messages() {
			switch {
			case strings.EqualFold(m.To, tgMember.Email) && strings.Contains(m.Text, "Іріктеу"):
				t.Fatal("the member who linked Telegram was emailed too")
			case strings.EqualFold(m.To, decliner.Email) && strings.Contains(m.Text, "Іріктеу"):
				t.Fatal("a member who declined was told of the advancement")
			case strings.EqualFold(m.To, leadB.Email) || strings.EqualFold(m.To, memberB.Email):
				if strings.Contains(m.Text, "Іріктеу") {
					t.Fatalf("team B, not advanced, was told: %s", m.Subject)
				}
			}
		}
		// Team A gives up its place: team B moves up, and both its people are told.
		wantStatus(t, "decline", js(env, c, "POST", "/api/v1/applications/"+appA.ID+"/decline", token(t, env, leadA), fmt.Sprintf(`{"stage_id":%q}`, s1)), 200, "")
		for _, p := range []apptest.Person{leadB, memberB} {
			waitMail(t, env, p.Email, "сізге орын босады", "«Іріктеу»")
		}
	})
}

// waitMail waits for a message to address to whose subject and text hold
// every fragment.
func waitMail(t *testing.T, env *apptest.Env, to string, fragments ...string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
	next:
		for _, m := range env.Mail.Messages() {
			if !strings.EqualFold(m.To, to) {
				continue
			}
			for _, f := range fragments {
				if !strings.Contains(m.Subject+"\n"+m.Text, f) {
					continue next
				}
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no message to %s with %q", to, fragments)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
