package proposals

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/kazakh"
)

// rekeyBatch is how many proposals one transaction of Rekey rewrites.
const rekeyBatch = 500

// Rekey recomputes every proposal's search key when the stored keys were
// made by another version of internal/kazakh (kazakh.KeyVersion, recorded
// in settings 'proposals.search_version'); it does nothing otherwise. It
// runs at start, in batches by id, and records the version at the end, so
// a start that is stopped half-way simply runs it again.
func (s *Service) Rekey(ctx context.Context) error {
	var v string
	err := s.DB.QueryRow(ctx, "SELECT value FROM settings WHERE key = 'proposals.search_version'").Scan(&v)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("proposals: rekey: %w", err)
	}
	if v == kazakh.KeyVersion {
		return nil
	}
	type row struct {
		id          int64
		title, body string
	}
	var after int64
	for {
		rows, err := s.DB.Query(ctx, "SELECT id, title, body FROM proposals WHERE id > ? ORDER BY id LIMIT ?", after, rekeyBatch)
		if err != nil {
			return fmt.Errorf("proposals: rekey: %w", err)
		}
		var batch []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.title, &r.body); err != nil {
				rows.Close()
				return fmt.Errorf("proposals: rekey: %w", err)
			}
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("proposals: rekey: %w", err)
		}
		if len(batch) == 0 {
			break
		}
		err = s.DB.Write(ctx, func(tx *db.Tx) error {
			for _, r := range batch {
				if _, err := tx.Exec(ctx, "UPDATE proposals SET search = ? WHERE id = ?", searchKey(r.title, r.body), r.id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("proposals: rekey: %w", err)
		}
		after = batch[len(batch)-1].id
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES ('proposals.search_version', ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, kazakh.KeyVersion)
		return err
	})
}

// searchKey is what a proposal's search column stores: its title and body
// keyed, each in its own language.
func searchKey(title, body string) string { return kazakh.SearchKeys(title, body) }
