package reports

import (
	"context"
)

// Take claims one due photo as a worker does (nil: none), for tests of
// the claim; Finish stores what Process made of it, or why it failed.
func (s *Service) Take(ctx context.Context) (*Taken, error) {
	t, err := s.take(ctx)
	if t == nil {
		return nil, err
	}
	return &Taken{t}, err
}

// Taken is a claimed photo.
type Taken struct{ t *taken }

// ID is the photo's.
func (t *Taken) ID() int64 { return t.t.id }

// Finish prepares the photo and stores it, if the claim still holds.
func (s *Service) Finish(ctx context.Context, t *Taken) error {
	res, no := process(t.t.original)
	reason := ""
	if no != nil {
		reason = no.Reason
	}
	return s.finish(ctx, t.t, res, reason)
}
