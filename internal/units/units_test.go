package units

import (
	"strings"
	"testing"
)

func TestParseCSVReportsEveryBadRow(t *testing.T) {
	in := `code,name,level,parent_code,population
86,Tỉnh Vĩnh Long,province,,1022791
855,,district,86
856,Huyện X,region,86
857,Huyện Long Hồ,district,86,nhiều
857,Huyện Long Hồ,district,86
858,Huyện Mang Thít,district
`
	_, err := ParseCSV(strings.NewReader(in), "units.csv")
	if err == nil {
		t.Fatal("bad file accepted")
	}
	for _, want := range []string{
		"units.csv:3: name must be 1-120 characters",
		`units.csv:4: level "region" must be one of province, district, commune, village`,
		`units.csv:5: population "nhiều" must be a whole number`,
		"units.csv:7: expected 4 or 5 columns",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}

func TestParseCSVAndPaths(t *testing.T) {
	in := "86,Tỉnh Vĩnh Long,province,,1.022.791\n858,Huyện Mang Thít,district,86\n29623,Xã Mỹ An,commune,858\n"
	list, err := ParseCSV(strings.NewReader(in), "u.csv")
	if err != nil {
		t.Fatal(err)
	}
	if list[0].Population != 1022791 {
		t.Errorf("population = %d", list[0].Population)
	}
	paths, err := Paths(list, nil, "u.csv")
	if err != nil {
		t.Fatal(err)
	}
	if paths["29623"] != "/86/858/29623/" {
		t.Errorf("path = %s", paths["29623"])
	}
}

func TestPathsRejectsBadTrees(t *testing.T) {
	tests := []struct{ name, csv, want string }{
		{"commune above district", "1,A,province,\n2,B,commune,1\n3,C,district,2\n", "u.csv:3: a district cannot sit under a commune (2)"},
		{"loop", "2,B,commune,3\n3,C,commune,2\n", "loop"},
		{"unknown parent", "2,B,commune,9\n", "u.csv:1: parent 9 of 2 is neither in the file nor in the database"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, err := ParseCSV(strings.NewReader(tt.csv), "u.csv")
			if err != nil {
				t.Fatal(err)
			}
			_, err = Paths(list, nil, "u.csv")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v; want %q", err, tt.want)
			}
		})
	}
}
