package notify_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/db/dbtest"
	"github.com/ortaq/ortaq/internal/mail"
	"github.com/ortaq/ortaq/internal/notify"
	"github.com/ortaq/ortaq/internal/outbox"
	"github.com/ortaq/ortaq/internal/programmes/progtest"
)

// AddAll stores every note for a live account, once, and hands the
// delivery batch the id of the very row it describes, equal notes and
// several people in one call included; deleted accounts get nothing.
func TestAddAllStoresAndMatchesIDs(t *testing.T) {
	ctx := context.Background()
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		k := progtest.New(t, d)
		people := k.People(3, "KZ-27", "2000-05-05")
		a, b, gone := people[0], people[1], people[2]
		if err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE users SET deleted_at = ? WHERE id = ?", tx.Now, gone.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		// deliveries are collected for people with an email
		n := notify.New(notify.Deps{DB: d, Catalog: k.Notify.Catalog, Log: quiet, Outbox: outbox.New(d, mail.NewLog(quiet), outbox.Config{})})
		notes := []notify.Note{
			{UserID: a.ID, Kind: "support_milestone", Args: map[string]string{"title": "Бір", "count": "10"}, Link: "/proposals/1"},
			{UserID: b.ID, Kind: "support_milestone", Args: map[string]string{"title": "Екі", "count": "25"}, Link: "/proposals/2"},
			{UserID: gone.ID, Kind: "support_milestone", Args: map[string]string{"title": "Үш", "count": "10"}, Link: "/proposals/3"},
			{UserID: a.ID, Kind: "support_milestone", Args: map[string]string{"title": "Бір", "count": "25"}, Link: "/proposals/1"},
			{UserID: a.ID, Kind: "support_milestone", Args: map[string]string{"title": "Бір", "count": "25"}, Link: "/proposals/1"},
		}
		var batch notify.Batch
		if err := d.Write(ctx, func(tx *db.Tx) error { batch = notify.Batch{}; return n.AddAll(ctx, tx, &batch, notes) }); err != nil {
			t.Fatal(err)
		}
		type row struct {
			user             int64
			kind, args, link string
		}
		stored := map[int64]row{}
		rows, err := d.Query(ctx, "SELECT id, user_id, kind, args_json, link FROM notifications")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			var r row
			if err := rows.Scan(&id, &r.user, &r.kind, &r.args, &r.link); err != nil {
				t.Fatal(err)
			}
			stored[id] = r
		}
		rows.Close()
		if len(stored) != 4 {
			t.Fatalf("stored %d notifications, want 4 (none for the deleted account): %v", len(stored), stored)
		}
		items := batch.Items()
		if len(items) != 4 {
			t.Fatalf("batch has %d deliveries, want 4", len(items))
		}
		seen := map[int64]bool{}
		for _, it := range items {
			r, ok := stored[it.ID]
			if !ok || seen[it.ID] {
				t.Fatalf("delivery %+v: id %d not stored or given twice", it, it.ID)
			}
			seen[it.ID] = true
			aj, _ := json.Marshal(it.Args)
			if r.user != it.UserID || r.kind != it.Kind || r.args != string(aj) || r.link != it.Link {
				t.Fatalf("delivery %+v has the id of another row %+v", it, r)
			}
		}
	})
}
