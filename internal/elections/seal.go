package elections

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ortaq/ortaq/internal/db"
	"github.com/ortaq/ortaq/internal/errs"
)

// Sealing. A ballot is written in the voter's transaction (so that "one
// voter, one ballot" is one unique constraint and a crash can never part
// them), and everything an engine stores about a transaction — its commit,
// its WAL frames, PostgreSQL's xmin, the heap order — therefore joins the
// voter row to the ballot row. So while voting is open the ballot row is
// sealed: tracker and choices encrypted under the election's own data key,
// padded to one size for the whole election. The data key is stored only
// wrapped by a key derived from the installation's secret (internal/keys),
// which is not in the database. Closing opens the sealed ballots, writes
// them in plain into election_ballots in one transaction, in tracker
// order, and forgets the data key. See docs/decisions/0040-secret-ballot.md.

const sealVersion = 1

// aad binds a sealed value to its election and purpose.
func aad(purpose string, electionID int64) []byte {
	b := make([]byte, 0, len(purpose)+9)
	b = append(b, purpose...)
	b = append(b, 0)
	return binary.BigEndian.AppendUint64(b, uint64(electionID))
}

func gcm(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// newDataKey makes an election's data key and returns it with its wrapped
// form (nonce ‖ ciphertext) for the elections row.
func newDataKey(wrapKey []byte, electionID int64) (key, wrapped []byte, err error) {
	key = make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, nil, err
	}
	a, err := gcm(wrapKey)
	if err != nil {
		return nil, nil, err
	}
	nonce := make([]byte, a.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, nil, err
	}
	return key, a.Seal(nonce, nonce, key, aad("ballot-key", electionID)), nil
}

// errWrongKey: the election's key was sealed under another secret.
var errWrongKey = errors.New("elections: the election's ballot key does not open with this installation's secret key")

func unwrapDataKey(wrapKey, wrapped []byte, electionID int64) ([]byte, error) {
	a, err := gcm(wrapKey)
	if err != nil {
		return nil, err
	}
	if len(wrapped) < a.NonceSize() {
		return nil, errWrongKey
	}
	key, err := a.Open(nil, wrapped[:a.NonceSize()], wrapped[a.NonceSize():], aad("ballot-key", electionID))
	if err != nil {
		return nil, errWrongKey
	}
	return key, nil
}

// sealSize is the length every sealed ballot of an election is padded to:
// enough for the longest ballot its candidates allow, so that the length
// of a sealed row says nothing of how many candidates were chosen.
func sealSize(method string, accepted map[string]bool) int {
	ids := make([]string, 0, len(accepted))
	for id := range accepted {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var longest []byte
	if method == MethodChoose {
		longest, _ = json.Marshal(ids)
	} else {
		marks := make(map[string]string, len(ids))
		for _, id := range ids {
			marks[id] = Against // the longest mark ("abstain" is as long)
		}
		longest, _ = json.Marshal(marks)
	}
	n := 1 + 2 + len(newTracker()) + 1 + len(longest)
	return (n + 63) / 64 * 64
}

// seal encrypts one ballot under the election's data key: version, length,
// "tracker\nchoices", zero padding to size. It returns the nonce (the
// sealed row's key) and the ciphertext.
func seal(key []byte, electionID int64, size int, tracker, choices string) (nonce, box []byte, err error) {
	body := tracker + "\n" + choices
	if 3+len(body) > size {
		return nil, nil, fmt.Errorf("elections: ballot of %d bytes exceeds the sealed size %d", len(body), size)
	}
	plain := make([]byte, size)
	plain[0] = sealVersion
	binary.BigEndian.PutUint16(plain[1:3], uint16(len(body)))
	copy(plain[3:], body)
	a, err := gcm(key)
	if err != nil {
		return nil, nil, err
	}
	nonce = make([]byte, a.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, nil, err
	}
	return nonce, a.Seal(nil, nonce, plain, aad("ballot", electionID)), nil
}

// unseal opens a sealed ballot.
func unseal(key []byte, electionID int64, nonce, box []byte) (tracker, choices string, err error) {
	a, err := gcm(key)
	if err != nil {
		return "", "", err
	}
	plain, err := a.Open(nil, nonce, box, aad("ballot", electionID))
	if err != nil {
		return "", "", fmt.Errorf("elections: a sealed ballot of election %d does not open: %w", electionID, err)
	}
	if len(plain) < 3 || plain[0] != sealVersion {
		return "", "", fmt.Errorf("elections: a sealed ballot of election %d has an unknown form", electionID)
	}
	n := int(binary.BigEndian.Uint16(plain[1:3]))
	if 3+n > len(plain) {
		return "", "", fmt.Errorf("elections: a sealed ballot of election %d is malformed", electionID)
	}
	tracker, choices, ok := strings.Cut(string(plain[3:3+n]), "\n")
	if !ok {
		return "", "", fmt.Errorf("elections: a sealed ballot of election %d is malformed", electionID)
	}
	return tracker, choices, nil
}

// ballotKey returns the open election's data key, making one if it has
// none yet (an election opened before ballots were sealed). Every node
// makes the same choice: the first key stored wins.
func (s *Service) ballotKey(ctx context.Context, electionID int64) ([]byte, error) {
	var wrapped []byte
	var status string
	read := func(q interface {
		QueryRow(context.Context, string, ...any) *sql.Row
	}) error {
		return q.QueryRow(ctx, "SELECT status, ballot_key FROM elections WHERE id = ?", electionID).Scan(&status, &wrapped)
	}
	if err := read(s.db); err != nil {
		return nil, err
	}
	if status == Open && wrapped == nil {
		_, w, err := newDataKey(s.wrapKey, electionID)
		if err != nil {
			return nil, err
		}
		err = s.db.Write(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, "UPDATE elections SET ballot_key = ? WHERE id = ? AND ballot_key IS NULL AND status = 'open'", w, electionID); err != nil {
				return err
			}
			return read(tx)
		})
		if err != nil {
			return nil, err
		}
	}
	if status != Open {
		// Closed since the caller looked: no key any more.
		return nil, errs.New(errs.Conflict, "elections.closed")
	}
	if wrapped == nil {
		return nil, fmt.Errorf("elections: %d has no ballot key", electionID)
	}
	return unwrapDataKey(s.wrapKey, wrapped, electionID)
}

// unsealAll opens the election's sealed ballots inside the closing
// transaction, writes them into election_ballots in tracker order (one
// transaction, so they share its id, its time and its WAL records, and
// lie in tracker order), deletes the sealed rows and forgets the key.
func unsealAll(ctx context.Context, tx *db.Tx, wrapKey []byte, electionID int64) error {
	var wrapped []byte
	if err := tx.QueryRow(ctx, "SELECT ballot_key FROM elections WHERE id = ?", electionID).Scan(&wrapped); err != nil {
		return err
	}
	type plain struct{ tracker, choices string }
	var ballots []plain
	if wrapped != nil {
		key, err := unwrapDataKey(wrapKey, wrapped, electionID)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT nonce, sealed FROM election_sealed WHERE election_id = ?", electionID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var nonce, box []byte
			if err := rows.Scan(&nonce, &box); err != nil {
				rows.Close()
				return err
			}
			t, c, err := unseal(key, electionID, nonce, box)
			if err != nil {
				rows.Close()
				return err
			}
			ballots = append(ballots, plain{t, c})
		}
		if err := rows.Close(); err != nil {
			return err
		}
	} else {
		var n int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM election_sealed WHERE election_id = ?", electionID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("elections: %d has %d sealed ballots and no key", electionID, n)
		}
	}
	slices.SortFunc(ballots, func(a, b plain) int { return strings.Compare(a.tracker, b.tracker) })
	const chunk = 300
	for i := 0; i < len(ballots); i += chunk {
		part := ballots[i:min(i+chunk, len(ballots))]
		var q strings.Builder
		args := make([]any, 0, 3*len(part))
		q.WriteString("INSERT INTO election_ballots (tracker, election_id, choices) VALUES ")
		for j, b := range part {
			if j > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?)")
			args = append(args, b.tracker, electionID, b.choices)
		}
		if _, err := tx.Exec(ctx, q.String(), args...); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, "DELETE FROM election_sealed WHERE election_id = ?", electionID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, "UPDATE elections SET ballot_key = NULL WHERE id = ?", electionID)
	return err
}
