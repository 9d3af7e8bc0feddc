module github.com/picket-scanner/picket

go 1.26.0
