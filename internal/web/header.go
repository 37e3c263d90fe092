package web

import "context"

// SetHeaderCounter makes every page's header link signed-in people to
// their inbox (/{lang}/inbox, title "notify.inbox") with the number count
// returns beside it when it is not 0. count runs once per page rendered
// for a signed-in person and never for guests, so it must be one cheap
// indexed query; it returns 0 when it cannot count. Call it while wiring.
func (s *Server) SetHeaderCounter(count func(ctx context.Context, userID int64) int) {
	s.headerCounter = count
}
