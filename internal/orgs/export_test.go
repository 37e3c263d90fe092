package orgs

import "context"

// FreshRegionsNow looks at once whether another node imported regions
// (tests do not wait for the half-minute between looks).
func (s *Service) FreshRegionsNow(ctx context.Context) {
	s.regionsChecked.Store(0)
	s.freshRegions(ctx)
}
