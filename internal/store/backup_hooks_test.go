package store

// SlowBackupForTest makes Backup copy pages pages per step and call
// afterStep between steps, so a test can write while a copy is half done.
func (st *Store) SlowBackupForTest(pages int, afterStep func(remaining, total int)) {
	st.backupTest = backupHooks{pages: pages, afterStep: afterStep}
}
