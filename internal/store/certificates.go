package store

import (
	"context"
	"errors"
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

// lessonCompleted is what every newly completed lesson writes besides its
// progress row, whoever recorded it (a quiz or a trainer): the unit's
// completion count and the certificates it earns, in the caller's
// transaction.
func (st *Store) lessonCompleted(tx *gorm.DB, learnerID int64, modules map[string][]string, at time.Time) ([]Certificate, error) {
	l, err := learnerForUpdate(tx, learnerID)
	if err != nil {
		return nil, err
	}
	if err := st.count(tx, l.UnitCode, "lessons_completed", 1, at); err != nil {
		return nil, err
	}
	return st.issueEarned(tx, l, modules, at)
}

// learnerForUpdate reads the learner a transaction is about to change:
// the name and birth year printed on certificates and the commune that
// counts them, as they are now.
func learnerForUpdate(tx *gorm.DB, id int64) (Learner, error) {
	var l Learner
	err := tx.Select("id", "name", "birth_year", "unit_code").Where("id = ?", id).Take(&l).Error
	return l, notFound(err)
}

// issueEarned issues, inside tx, every certificate that the learner's
// records earn under the rules of internal/progress and that they do not
// hold yet: each completed module, then the programme. It counts each one
// for the commune's day and returns those it issued.
func (st *Store) issueEarned(tx *gorm.DB, l Learner, modules map[string][]string, at time.Time) ([]Certificate, error) {
	if len(modules) == 0 {
		return nil, nil
	}
	var rows []Progress
	if err := tx.Where("learner_id = ? AND status = ?", l.ID, string(progress.Completed)).Find(&rows).Error; err != nil {
		return nil, err
	}
	m := make(progress.Map, len(rows))
	for _, p := range rows {
		m[progress.Key{Module: p.Module, Lesson: p.Lesson}] = recordOf(p)
	}
	completed, programme := m.Earned(modules)
	if len(completed) == 0 {
		return nil, nil
	}
	var held []Certificate
	if err := tx.Select("kind", "module").Where("learner_id = ?", l.ID).Find(&held).Error; err != nil {
		return nil, err
	}
	has := map[string]bool{}
	for _, c := range held {
		has[c.Kind+"/"+c.Module] = true
	}
	slices.Sort(completed)
	var want [][2]string
	for _, slug := range completed {
		want = append(want, [2]string{CertModule, slug})
	}
	if programme {
		want = append(want, [2]string{CertProgramme, ""})
	}
	var issued []Certificate
	for _, w := range want {
		if has[w[0]+"/"+w[1]] {
			continue
		}
		c, err := st.insertCertificate(tx, l, w[0], w[1], at)
		if err != nil {
			return nil, err
		}
		issued = append(issued, c)
		if w[0] == CertModule {
			if err := st.count(tx, l.UnitCode, "modules_completed", 1, at); err != nil {
				return nil, err
			}
		}
		if err := st.count(tx, l.UnitCode, "certificates", 1, at); err != nil {
			return nil, err
		}
	}
	return issued, nil
}

// insertCertificate adds one certificate with a fresh random code. ON
// CONFLICT DO NOTHING covers both a code drawn twice (draw again) and a
// certificate another transaction issued first (impossible under the
// writer lock, but harmless): neither aborts the transaction on PostgreSQL
// the way a unique violation would.
func (st *Store) insertCertificate(tx *gorm.DB, l Learner, kind, module string, at time.Time) (Certificate, error) {
	for range 5 {
		c := Certificate{Code: codes.New(CertificateCodeLength), LearnerID: l.ID, Kind: kind, Module: module,
			Name: l.Name, BirthYear: l.BirthYear, IssuedAt: at}
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&c)
		if res.Error != nil {
			return Certificate{}, res.Error
		}
		if res.RowsAffected == 1 {
			return c, nil
		}
		var existing Certificate
		err := tx.Where("learner_id = ? AND kind = ? AND module = ?", l.ID, kind, module).Take(&existing).Error
		if err == nil {
			return existing, nil
		}
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return Certificate{}, err
		}
	}
	return Certificate{}, errors.New("store: no free certificate code after 5 draws")
}

// IssueEarned issues, in one transaction, the certificates a learner's
// records earn and they lack. RecordAttempt already does this for every
// completion; this heals records written otherwise (by Repair).
func (st *Store) IssueEarned(ctx context.Context, learnerID int64, modules map[string][]string) ([]Certificate, error) {
	var issued []Certificate
	err := st.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Report counters (counters.go): lock the learner first, so that an
		// answer recorded at the same moment waits and both count once.
		k, err := st.learnerKey(tx, learnerID)
		if err != nil {
			return err
		}
		l, err := learnerForUpdate(tx, learnerID)
		if err != nil {
			return err
		}
		if issued, err = st.issueEarned(tx, l, modules, st.now()); err != nil {
			return err
		}
		var d CounterDelta
		if err := countCertificates(tx, k, issued, &d); err != nil {
			return err
		}
		return st.bump(tx, k.Unit, d)
	})
	if err != nil {
		return nil, fmt.Errorf("store: issue earned certificates: %w", err)
	}
	return issued, nil
}

// MissingCertificates lists the learners who may have earned a certificate
// they do not hold: a module with at least as many completed lessons as it
// has, and no certificate for it; or every module certified and no
// programme certificate. It reads aggregates only, so it stays quick on a
// province's database; IssueEarned then applies the exact rules to each.
func (st *Store) MissingCertificates(ctx context.Context, modules map[string][]string) ([]int64, error) {
	type row struct {
		LearnerID int64
		Module    string
		Done      int
	}
	var rows []row
	err := st.r.WithContext(ctx).Raw(`SELECT p.learner_id, p.module, COUNT(*) AS done FROM progress p
WHERE p.status = ? AND NOT EXISTS (SELECT 1 FROM certificates c WHERE c.learner_id = p.learner_id AND c.kind = ? AND c.module = p.module)
GROUP BY p.learner_id, p.module`, string(progress.Completed), CertModule).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: missing certificates: %w", err)
	}
	seen := map[int64]bool{}
	var out []int64
	add := func(id int64) {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, r := range rows {
		if lessons, ok := modules[r.Module]; ok && r.Done >= len(lessons) {
			add(r.LearnerID)
		}
	}
	var programme []int64
	err = st.r.WithContext(ctx).Raw(`SELECT c.learner_id FROM certificates c WHERE c.kind = ?
AND NOT EXISTS (SELECT 1 FROM certificates p WHERE p.learner_id = c.learner_id AND p.kind = ?)
GROUP BY c.learner_id HAVING COUNT(*) >= ?`, CertModule, CertProgramme, len(modules)).Scan(&programme).Error
	if err != nil {
		return nil, fmt.Errorf("store: missing programme certificates: %w", err)
	}
	for _, id := range programme {
		add(id)
	}
	slices.Sort(out)
	return out, nil
}
