package telegram_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testToken   = "123456:test-token"
	testBotName = "ortaq_test_bot"
)

// fakeAPI is a Telegram Bot API on loopback with the methods the bot
// uses: getMe, deleteWebhook, getUpdates (long polling, with offsets
// confirming updates as Telegram does), sendMessage, sendDocument, and
// for inline buttons answerCallbackQuery and editMessageReplyMarkup.
type fakeAPI struct {
	*httptest.Server
	t *testing.T

	mu        sync.Mutex
	updates   []map[string]any // not yet confirmed
	nextID    int64
	wake      chan struct{} // closed and replaced when an update arrives
	blocked   map[int64]bool
	sent      chan sentMessage
	webhooks  int      // deleteWebhook calls
	polling   int      // getUpdates requests in progress
	conflicts int      // getUpdates requests made while another was in progress
	answered  []string // answerCallbackQuery texts, in order
	edits     []string // editMessageReplyMarkup: the new reply_markup of each
}

type sentMessage struct {
	ChatID int64
	Text   string
	Markup string // reply_markup as sent (a keyboard, as JSON), "" for none
	// A file sent with sendDocument (Text is then its caption).
	Document, Filename string
}

func newFakeAPI(t *testing.T) *fakeAPI {
	f := &fakeAPI{t: t, nextID: 100, wake: make(chan struct{}), blocked: map[int64]bool{}, sent: make(chan sentMessage, 100)}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	method, ok := strings.CutPrefix(r.URL.Path, "/bot"+testToken+"/")
	if !ok {
		reply(w, http.StatusUnauthorized, map[string]any{"ok": false, "error_code": 401, "description": "Unauthorized"})
		return
	}
	// Parameters come as multipart form fields (none for getMe, whose
	// body is an empty multipart stream that Telegram accepts).
	_ = r.ParseMultipartForm(1 << 20)
	switch method {
	case "getMe":
		ok200(w, map[string]any{"id": 123456, "is_bot": true, "first_name": "Ortaq", "username": testBotName})
	case "deleteWebhook":
		f.mu.Lock()
		f.webhooks++
		f.mu.Unlock()
		ok200(w, true)
	case "getUpdates":
		f.getUpdates(w, r)
	case "sendMessage":
		chat, err := strconv.ParseInt(r.FormValue("chat_id"), 10, 64)
		if err != nil {
			reply(w, http.StatusBadRequest, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: chat not found"})
			return
		}
		f.mu.Lock()
		blocked := f.blocked[chat]
		f.mu.Unlock()
		if blocked {
			reply(w, http.StatusForbidden, map[string]any{"ok": false, "error_code": 403, "description": "Forbidden: bot was blocked by the user"})
			return
		}
		f.sent <- sentMessage{ChatID: chat, Text: r.FormValue("text"), Markup: r.FormValue("reply_markup")}
		ok200(w, map[string]any{"message_id": 1, "date": 0, "chat": map[string]any{"id": chat, "type": "private"}, "text": r.FormValue("text")})
	case "sendDocument":
		chat, _ := strconv.ParseInt(r.FormValue("chat_id"), 10, 64)
		file, hdr, err := r.FormFile("document")
		if err != nil {
			reply(w, http.StatusBadRequest, map[string]any{"ok": false, "error_code": 400, "description": "Bad Request: there is no document in the request"})
			return
		}
		data, _ := io.ReadAll(file)
		f.sent <- sentMessage{ChatID: chat, Text: r.FormValue("caption"), Document: string(data), Filename: hdr.Filename}
		ok200(w, map[string]any{"message_id": 1, "date": 0, "chat": map[string]any{"id": chat, "type": "private"}})
	case "answerCallbackQuery":
		f.mu.Lock()
		f.answered = append(f.answered, r.FormValue("text"))
		f.mu.Unlock()
		ok200(w, true)
	case "editMessageReplyMarkup":
		f.mu.Lock()
		f.edits = append(f.edits, r.FormValue("reply_markup"))
		f.mu.Unlock()
		chat, _ := strconv.ParseInt(r.FormValue("chat_id"), 10, 64)
		ok200(w, map[string]any{"message_id": 1, "date": 0, "chat": map[string]any{"id": chat, "type": "private"}})
	default:
		reply(w, http.StatusNotFound, map[string]any{"ok": false, "error_code": 404, "description": "Not Found: method not found"})
	}
}

func (f *fakeAPI) getUpdates(w http.ResponseWriter, r *http.Request) {
	offset, _ := strconv.ParseInt(r.FormValue("offset"), 10, 64)
	timeout, _ := strconv.Atoi(r.FormValue("timeout"))
	deadline := time.After(time.Duration(timeout) * time.Second)
	f.mu.Lock()
	if f.polling > 0 {
		// As Telegram does when two bots poll with one token.
		f.conflicts++
		f.mu.Unlock()
		reply(w, http.StatusConflict, map[string]any{"ok": false, "error_code": 409,
			"description": "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"})
		return
	}
	f.polling++
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.polling--
		f.mu.Unlock()
	}()
	for {
		f.mu.Lock()
		// An offset confirms every update before it.
		kept := f.updates[:0]
		for _, u := range f.updates {
			if u["update_id"].(int64) >= offset {
				kept = append(kept, u)
			}
		}
		f.updates = kept
		out := append([]map[string]any(nil), f.updates...)
		wake := f.wake
		f.mu.Unlock()
		if len(out) > 0 {
			ok200(w, out)
			return
		}
		select {
		case <-wake:
		case <-deadline:
			ok200(w, []any{})
			return
		case <-r.Context().Done():
			return
		}
	}
}

// message queues a private message from a Telegram user whose chat id is
// chat and whose app speaks lang.
func (f *fakeAPI) message(chat int64, lang, text string) {
	f.push(map[string]any{
		"message_id": 1, "date": 0, "text": text,
		"from": map[string]any{"id": chat, "is_bot": false, "first_name": "Test", "language_code": lang},
		"chat": map[string]any{"id": chat, "type": "private"},
	})
}

// groupMessage queues a message in a group chat.
func (f *fakeAPI) groupMessage(chat, from int64, text string) {
	f.push(map[string]any{
		"message_id": 1, "date": 0, "text": text,
		"from": map[string]any{"id": from, "is_bot": false, "first_name": "Test", "language_code": "en"},
		"chat": map[string]any{"id": chat, "type": "group", "title": "Group"},
	})
}

// press queues a press of an inline button with data under message 1 of
// chat (a private chat, whose user id is the chat's).
func (f *fakeAPI) press(chat int64, data string) {
	f.pushUpdate("callback_query", map[string]any{
		"id": fmt.Sprintf("cb%d", chat), "data": data, "chat_instance": "1",
		"from":    map[string]any{"id": chat, "is_bot": false, "first_name": "Test"},
		"message": map[string]any{"message_id": 1, "date": 1, "chat": map[string]any{"id": chat, "type": "private"}, "text": "offer"},
	})
}

// callbackAnswers are the texts of answerCallbackQuery so far, and the
// number of editMessageReplyMarkup calls.
func (f *fakeAPI) callbackAnswers() ([]string, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.answered...), len(f.edits)
}

func (f *fakeAPI) push(msg map[string]any) { f.pushUpdate("message", msg) }

func (f *fakeAPI) pushUpdate(kind string, obj map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	f.updates = append(f.updates, map[string]any{"update_id": f.nextID, kind: obj})
	close(f.wake)
	f.wake = make(chan struct{})
}

func (f *fakeAPI) conflictCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.conflicts
}

func (f *fakeAPI) block(chat int64) {
	f.mu.Lock()
	f.blocked[chat] = true
	f.mu.Unlock()
}

// next waits for the next message the bot sends.
func (f *fakeAPI) next(t *testing.T) sentMessage {
	t.Helper()
	select {
	case m := <-f.sent:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("the bot sent nothing within 10s")
		return sentMessage{}
	}
}

// none checks that the bot sends nothing more for a moment.
func (f *fakeAPI) none(t *testing.T) {
	t.Helper()
	select {
	case m := <-f.sent:
		t.Fatalf("unexpected message to %d: %q", m.ChatID, m.Text)
	case <-time.After(200 * time.Millisecond):
	}
}

func ok200(w http.ResponseWriter, result any) {
	reply(w, http.StatusOK, map[string]any{"ok": true, "result": result})
}

func reply(w http.ResponseWriter, status int, body map[string]any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(body); err != nil {
		panic(fmt.Sprint("fake telegram: ", err))
	}
}
