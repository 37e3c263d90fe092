// Package selection is the pure core of a call's evaluation stage: it
// assigns jurors to applications, checks and totals score sheets, ranks the
// applications of each holding organization and advances the best of them,
// with declines and backfill. It knows nothing of storage or HTTP: the
// calls component loads what it needs, calls these functions and stores
// what they return. Every function is deterministic: the same input (in
// any order) and the same seed give the same answer, so a result can be
// recomputed and explained later.
//
// The three steps:
//
//   - Assign spreads the applications of one holding over its jurors: at
//     least K jurors each, never a juror with a conflict of interest,
//     loads as even as the conflicts allow. Run again after a juror or
//     applications are added, it moves only pairs not yet scored.
//   - Rubric.Validate and Rubric.Total check a juror's score sheet and
//     give its weighted total on a 0–100 scale; Rank turns the sheets of
//     a stage into one ranking per holding, raw or normalised per juror,
//     with every tie broken by a documented rule.
//   - Ranking.Advance takes each holding's best N, reports the cutoff and
//     the ties at it, and fills the places of those who declined from the
//     same holding's order.
//
// See docs/decisions/0100-selection.md for the rules and why.
package selection
