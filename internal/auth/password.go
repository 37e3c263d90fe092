package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/ortaq/ortaq/internal/db"
	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: OWASP's first recommended set (19 MiB, 2 passes,
// 1 lane). On the 2-core reference machine one hash takes ~30 ms, so eight
// sign-ins at once stay far under the 300 ms budget; a larger memory cost
// would buy little against an attacker and cost our small servers a lot.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
	saltLen      = 16
)

// Hasher computes argon2id hashes, at most N at once: each hash holds
// 19 MiB, and a burst of sign-ins must not starve every other request
// of CPU or the server of memory.
type Hasher struct {
	sem    chan struct{}
	time   uint32
	memory uint32

	mu    sync.Mutex
	quiet *time.Timer // returns the hashes' memory once none ran for a while

	onHash func(password string) // see OnHash
}

// OnHash has fn called at the start of every hash the hasher computes, to
// store a password (Hash) or to check one (Verify), with the password;
// tests use it to count the hashes or to hold one back. Set it before the
// hasher is used.
func (h *Hasher) OnHash(fn func(password string)) { h.onHash = fn }

// returnMemoryAfter is how long after the last hash the memory it used is
// given back to the system. Each hash allocates a fresh 19 MiB block; the
// Go runtime would keep the freed blocks for minutes, and on a small
// server an idle Ortaq after a burst of sign-ins should be small again.
const returnMemoryAfter = 5 * time.Second

// NewHasher allows n concurrent hashes.
func NewHasher(n int) *Hasher {
	if n < 1 {
		n = 1
	}
	return &Hasher{sem: make(chan struct{}, n), time: argonTime, memory: argonMemory}
}

// NewTestHasher is argon2id at its cheapest (64 KiB, one pass) for tests
// that sign many people in; the hashes it makes verify like any other,
// since each carries its own parameters.
func NewTestHasher() *Hasher {
	return &Hasher{sem: make(chan struct{}, 4), time: 1, memory: 64}
}

// acquire waits for a turn to hash. Hashing is bounded by h.sem, not by
// the database's gate: the request's place there goes to another while it
// waits and hashes (db.Elsewhere), until release.
func (h *Hasher) acquire(ctx context.Context) (release func(), err error) {
	away := db.Elsewhere(ctx)
	select {
	case h.sem <- struct{}{}:
		return func() { h.release(); away() }, nil
	case <-ctx.Done():
		away()
		return nil, ctx.Err()
	}
}

func (h *Hasher) release() {
	<-h.sem
	if h.memory < 1024 {
		return // the test hasher's blocks are tiny
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.quiet == nil {
		h.quiet = time.AfterFunc(returnMemoryAfter, debug.FreeOSMemory)
	} else {
		h.quiet.Reset(returnMemoryAfter)
	}
}

// Hash returns an encoded argon2id hash of password (PHC string format).
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if h.onHash != nil {
		h.onHash(password)
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	release, err := h.acquire(ctx)
	if err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, h.time, h.memory, argonThreads, argonKeyLen)
	release()
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, h.memory, h.time, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// dummy is a hash with this hasher's parameters that no password
// matches; it is verified against when an account does not exist, so the
// time of a failed sign-in does not tell whether the email is registered.
func (h *Hasher) dummy() string {
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$c29tZXNhbHRzb21lc2FsdA$%s",
		h.memory, h.time, argonThreads, base64.RawStdEncoding.EncodeToString(make([]byte, argonKeyLen)))
}

// Verify reports whether password matches encoded.
func (h *Hasher) Verify(ctx context.Context, encoded, password string) (bool, error) {
	if h.onHash != nil {
		h.onHash(password)
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("auth: unknown password hash format")
	}
	var v, m, t, p int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil {
		return false, fmt.Errorf("auth: hash version: %w", err)
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, fmt.Errorf("auth: hash params: %w", err)
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("auth: hash salt: %w", err)
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil {
		return false, fmt.Errorf("auth: hash key: %w", err)
	}
	release, err := h.acquire(ctx)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, uint32(t), uint32(m), uint8(p), uint32(len(want)))
	release()
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
