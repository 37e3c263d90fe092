package web_test

import (
	"net/http"
	"net/url"
)

// Telegram linking page: any account may unlink; a minor without a guardian's
// consent may not link (403); the test app runs without a bot token, so there
// is no code to give (404). Linking with a token is tested in internal/telegram.
func init() {
	addCases(map[string]routeCase{
		"POST /{lang}/telegram/code": {form("/kk/telegram/code", nil), func() map[string]int {
			m := signedIn(http.StatusNotFound)
			m["limited"] = http.StatusForbidden
			return m
		}()},
		"POST /{lang}/telegram/unlink": {form("/kk/telegram/unlink", nil), signedIn(http.StatusSeeOther)},
		// A sign-in link from the chat: its code is the only key, whoever
		// asks (an unknown one: 404 for everyone). Spending a real one is
		// tested in internal/telegram.
		"POST /{lang}/telegram/signin": {form("/kk/telegram/signin", url.Values{"code": {"not-a-code"}}), all(http.StatusNotFound)},
	})
}
