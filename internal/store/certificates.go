package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/kynangso/kynangso/internal/codes"
	"github.com/kynangso/kynangso/internal/progress"
)

// Certificate kinds.
const (
	CertModule    = "module"
	CertProgramme = "programme"
)

// CertificateCodeLength: long enough that codes cannot be guessed to find
// other people's certificates (31^10 ≈ 8·10^14).
const CertificateCodeLength = 10

// Certificate records a completed module or the whole programme, with the
// name and birth year as printed on it.
type Certificate struct {
	ID        int64
	Code      string
	LearnerID int64
	Kind      string
	Module    string // "" for the programme
	Name      string
	BirthYear int
	IssuedAt  time.Time
}

// IssueCertificate gives a learner a certificate of a kind (and module),
// once: issuing again returns the existing one. It counts the certificate,
// and for a module also the completed module, for the commune's day.
func (st *Store) IssueCertificate(ctx context.Context, l Learner, kind, module string) (Certificate, error) {
	c := Certificate{LearnerID: l.ID, Kind: kind, Module: module, Name: l.Name, BirthYear: l.BirthYear, IssuedAt: st.now()}
	for try := 0; ; try++ {
		c.ID, c.Code = 0, codes.New(CertificateCodeLength)
		err := st.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "learner_id"}, {Name: "kind"}, {Name: "module"}}, DoNothing: true}).Create(&c)
			if res.Error != nil || res.RowsAffected == 0 {
				return res.Error
			}
			if kind == CertModule {
				if err := st.count(tx, l.UnitCode, "modules_completed", 1, c.IssuedAt); err != nil {
					return err
				}
			}
			return st.count(tx, l.UnitCode, "certificates", 1, c.IssuedAt)
		})
		if isUniqueViolation(err) && try < 5 {
			continue // the code was taken: draw another
		}
		if err != nil {
			return Certificate{}, fmt.Errorf("store: issue certificate: %w", err)
		}
		break
	}
	var out Certificate
	err := st.w.WithContext(ctx).Where("learner_id = ? AND kind = ? AND module = ?", l.ID, kind, module).Take(&out).Error
	return out, notFound(err)
}

// CertificateByCode returns a certificate by its verification code.
func (st *Store) CertificateByCode(ctx context.Context, code string) (Certificate, error) {
	var c Certificate
	err := st.r.WithContext(ctx).Where("code = ?", codes.Normalize(code)).Take(&c).Error
	return c, notFound(err)
}

// CertificatesOf returns a learner's certificates, oldest first.
func (st *Store) CertificatesOf(ctx context.Context, learnerID int64) ([]Certificate, error) {
	var out []Certificate
	err := st.r.WithContext(ctx).Where("learner_id = ?", learnerID).Order("id").Find(&out).Error
	return out, err
}

// IssueEarned issues every certificate that a learner's records earn under
// the rules of internal/progress: completed modules, then the programme.
// Certificates already issued are left as they are.
func (st *Store) IssueEarned(ctx context.Context, l Learner, m progress.Map, modules map[string][]string) error {
	completed, programme := m.Earned(modules)
	if len(completed) == 0 {
		return nil
	}
	held, err := st.CertificatesOf(ctx, l.ID)
	if err != nil {
		return err
	}
	has := map[string]bool{}
	for _, c := range held {
		has[c.Kind+"/"+c.Module] = true
	}
	slices.Sort(completed)
	for _, slug := range completed {
		if !has[CertModule+"/"+slug] {
			if _, err := st.IssueCertificate(ctx, l, CertModule, slug); err != nil {
				return err
			}
		}
	}
	if programme && !has[CertProgramme+"/"] {
		_, err := st.IssueCertificate(ctx, l, CertProgramme, "")
		return err
	}
	return nil
}
