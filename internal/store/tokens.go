package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// APIToken lets the province's reporting system read /reports/api/... for
// one unit's subtree without a staff session. Only the SHA-256 of the
// token is stored: it is shown once, when it is made.
type APIToken struct {
	ID         int64
	Name       string
	TokenHash  string
	UnitCode   string
	CreatedBy  *int64
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// TableName names the tokens' table.
func (APIToken) TableName() string { return "api_tokens" }

// Active tells whether the token may still be used.
func (t APIToken) Active() bool { return t.RevokedAt == nil }

// ScopedToken is a token with the place of its unit in the tree.
type ScopedToken struct {
	APIToken
	UnitName string
	UnitPath string
	Uses     int64
}

// CreateAPIToken stores a new token (its hash already computed).
func (st *Store) CreateAPIToken(ctx context.Context, t *APIToken) error {
	t.CreatedAt = st.now()
	return st.create(ctx, t, "api token")
}

// APITokenByHash returns the token with this hash and its unit's path,
// revoked or not (the caller refuses revoked ones).
func (st *Store) APITokenByHash(ctx context.Context, hash string) (ScopedToken, error) {
	var t ScopedToken
	err := st.r.WithContext(ctx).Table("api_tokens").Select("api_tokens.*, units.name AS unit_name, units.path AS unit_path").
		Joins("JOIN units ON units.code = api_tokens.unit_code").Where("api_tokens.token_hash = ?", hash).Take(&t).Error
	return t, notFound(err)
}

// APITokensUnder lists the tokens scoped to units under path, newest first,
// with how often each was used.
func (st *Store) APITokensUnder(ctx context.Context, path string) ([]ScopedToken, error) {
	var out []ScopedToken
	err := st.r.WithContext(ctx).Table("api_tokens").
		Select("api_tokens.*, units.name AS unit_name, units.path AS unit_path, (SELECT COUNT(*) FROM api_token_uses u WHERE u.token_id = api_tokens.id) AS uses").
		Joins("JOIN units ON units.code = api_tokens.unit_code").Where(pathUnder, likePrefix(path)).
		Order("api_tokens.id DESC").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: api tokens: %w", err)
	}
	return out, nil
}

// RevokeAPIToken ends a token whose unit lies under path (again: no
// change); ErrNotFound when there is no such token in the scope.
func (st *Store) RevokeAPIToken(ctx context.Context, id int64, path string) error {
	return changed(st.w.WithContext(ctx).Exec(`UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?
		AND unit_code IN (SELECT code FROM units WHERE units.path LIKE ? ESCAPE '\')`, st.now(), id, likePrefix(path)), "revoke api token")
}

// TokenUse is one logged use of a token.
type TokenUse struct {
	ID        int64
	TokenID   int64
	Path      string
	Status    int
	CreatedAt time.Time
}

// TableName names the token-use log's table.
func (TokenUse) TableName() string { return "api_token_uses" }

// LogTokenUse records one use of a token (the path asked for and the
// answer's status) and when it was last used, in one transaction.
func (st *Store) LogTokenUse(ctx context.Context, tokenID int64, path string, status int) error {
	now := st.now()
	if len(path) > 200 {
		path = path[:200]
	}
	err := st.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`INSERT INTO api_token_uses (token_id, path, status, created_at) VALUES (?, ?, ?, ?)`, tokenID, path, status, now).Error; err != nil {
			return err
		}
		return tx.Exec(`UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, now, tokenID).Error
	})
	if err != nil {
		return fmt.Errorf("store: log token use: %w", err)
	}
	return nil
}

// TokenUses returns the latest uses of the tokens under path.
func (st *Store) TokenUses(ctx context.Context, path string, limit int) ([]TokenUse, error) {
	var out []TokenUse
	err := st.r.WithContext(ctx).Raw(`SELECT u.* FROM api_token_uses u JOIN api_tokens t ON t.id = u.token_id
		JOIN units ON units.code = t.unit_code WHERE `+pathUnder+` ORDER BY u.id DESC LIMIT ?`, likePrefix(path), limit).Scan(&out).Error
	return out, err
}
