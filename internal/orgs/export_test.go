package orgs

import "context"

// FreshRegionsNow looks at once whether another node imported regions
// (tests do not wait for the half-minute between looks).
func (s *Service) FreshRegionsNow(ctx context.Context) {
	s.regionsChecked.Store(0)
	s.freshRegions(ctx)
}

// SetDenseLimit changes how many matches make a name search walk the
// directory in order instead of sorting the index's matches, and how many
// organizations the walk reads at a time and how many times, until the
// returned function puts them back.
func SetDenseLimit(n, window, windows int) (restore func()) {
	oldN, oldW, oldWs := denseLimit, walkWindow, walkWindows
	denseLimit, walkWindow, walkWindows = n, window, windows
	return func() { denseLimit, walkWindow, walkWindows = oldN, oldW, oldWs }
}
