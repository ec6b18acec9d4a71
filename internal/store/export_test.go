package store

import "context"

// WriteThroughReader tries a write on the reader pool (tests only).
func (st *Store) WriteThroughReader(ctx context.Context) error {
	return st.r.WithContext(ctx).Exec("INSERT INTO settings (name, value, updated_at) VALUES ('x', 'y', ?)", st.now()).Error
}
