//go:build !linux

package web

import (
	"errors"
	"syscall"
)

// setCork: TCP_CORK is Linux's; elsewhere copies are written uncorked.
func setCork(syscall.RawConn, int) error { return errors.ErrUnsupported }
