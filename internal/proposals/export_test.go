package proposals

// SetDenseLimit sets when a text filter's matches are many, the walk's
// window and how many windows it reads; the returned func restores them.
func SetDenseLimit(n, window, windows int) func() {
	oldN, oldW, oldWs := denseLimit, walkWindow, walkWindows
	denseLimit, walkWindow, walkWindows = n, window, windows
	return func() { denseLimit, walkWindow, walkWindows = oldN, oldW, oldWs }
}
