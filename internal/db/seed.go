package db

import (
	"crypto/rand"
	"encoding/binary"
)

// RandomSeed returns a random seed for a draw or a shuffle that is stored
// with what it decided, so it can be replayed: 63 random bits, so that it
// fits a signed BIGINT on both engines.
func RandomSeed() uint64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return binary.LittleEndian.Uint64(b[:]) >> 1
}
