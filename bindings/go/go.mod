module github.com/hoophq/libhoop/bindings/go

go 1.19
