package engine

import "coffre/storage"

// TrashWhileHeld takes the locks a change to the file at path takes (the tree
// shared, the stripe of its entry), calls held, then moves the file to the
// trash and releases the locks: held can start a change to the same file and
// wait until it is blocked on the entry, to make that race happen every time.
func TrashWhileHeld(e *Engine, p storage.Principal, path string, held func()) error {
	n := &namespace{e: e, p: p}
	f, err := n.lookup("delete", path)
	if err != nil {
		return err
	}
	e.tree.RLock()
	defer e.tree.RUnlock()
	defer e.names.lock(f.entry())()
	if f, err = n.lookupNames("delete", f.names); err != nil {
		return err
	}
	held()
	return n.trash("delete", f)
}

// LogError logs msg as the engine does for an error met on p's behalf.
func LogError(e *Engine, p storage.Principal, msg string) { (&namespace{e: e, p: p}).logError(msg) }
