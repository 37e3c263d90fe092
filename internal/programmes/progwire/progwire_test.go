package progwire_test

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/i18n"
	"github.com/ortaq/ortaq/internal/mail"
	"github.com/ortaq/ortaq/internal/programmes/progtest"
	"github.com/ortaq/ortaq/internal/programmes/progwire"
	"github.com/ortaq/ortaq/internal/regions"
	"github.com/ortaq/ortaq/internal/web"
)

// TestWireParsesTemplates: every template parses and every route
// registers, so wiring cannot break the app's start.
func TestWireParsesTemplates(t *testing.T) {
	d := dbtest.SQLite(t)
	k := progtest.New(t, d)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cat := i18n.MustLoad()
	regs, err := regions.Load(t.Context(), d)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := web.New(web.Config{SiteName: "Ortaq", MaxBodyBytes: 1 << 20, SessionMaxAge: time.Hour}, d, k.Auth, regs, cat, log)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := progwire.Wire(progwire.Deps{DB: d, Auth: k.Auth, Regions: regs, Catalog: cat, Log: log, Mail: mail.NewLog(log), Web: srv}); err != nil {
		t.Fatal(err)
	}
	_ = srv.Handler()
}
