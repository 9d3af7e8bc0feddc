module github.com/picket-scanner/picket

go 1.26.0

require (
	github.com/dlclark/regexp2/v2 v2.13.0 // indirect
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
)
