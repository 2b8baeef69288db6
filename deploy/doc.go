// Package deploy holds the reference deployment's support files
// (deploy/temporal: schema and namespace jobs for docker-compose.yml) and
// the test that checks docker-compose.yml without a Docker engine, by
// loading it with compose-go, the library the Docker CLI itself uses.
package deploy
