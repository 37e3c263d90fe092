package app

import "context"

// wire builds the components (one package each: its service, its pages and
// API routes, its templates and catalog messages) on top of the core and
// registers their routes on the web server. Each component keeps to its
// own block below.
func (a *App) wire(ctx context.Context) error {
	// wire:orgs (registry of organizations and members)

	// wire:programmes (programmes, proposals, roadmap, indicators)

	// wire:meetings (meetings and elections)

	return nil
}
