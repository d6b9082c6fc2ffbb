/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * main.c - the enimap program: load the configuration into the model, start
 * the dataplane, then serve the control channels until SIGINT/SIGTERM.
 *
 * The model has one lock: the API's (api_lock) when the API runs, else
 * app.lock. Every change, from the control socket or the EC2 API, goes
 * model -> delta -> engine_apply under that lock, so changes are applied to
 * the tables one at a time, in the model's order. Control-socket changes are
 * not journaled: the socket is a debugging and test tool. The Prometheus
 * endpoint (metrics.c, its own thread) takes the same lock for a scrape.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_log.h>

#include "api.h"
#include "config.h"
#include "config_default.h"
#include "ctl.h"
#include "ctlsrv.h"
#include "engine.h"
#include "guest_cmd.h"
#include "guestsvc.h"
#include "metrics.h"
#include "model.h"
#include "observe_cmd.h"
#include "stats.h"
#include "tables_cmd.h"

#define RTE_LOGTYPE_ENIMAP RTE_LOGTYPE_USER1

static volatile sig_atomic_t stop_requested;

struct app {
	struct enimap_config cfg;
	struct model *model;
	struct engine *engine;
	struct api *api;	 /* NULL when api.enabled is false */
	struct metrics *metrics; /* NULL when metrics.enabled is false (or it could not bind) */
	struct guestsvc *guest;	 /* NULL when guest.dhcp and guest.imds are false */
	const char *port_names[ENGINE_MAX_PORTS];
	struct delta delta;   /* scratch for one control-socket change */
	pthread_mutex_t lock; /* model + tables when there is no API */
};

static void app_lock(void *arg)
{
	struct app *a = arg;

	if (a->api != NULL)
		api_lock(a->api);
	else
		pthread_mutex_lock(&a->lock);
}

static void app_unlock(void *arg)
{
	struct app *a = arg;

	if (a->api != NULL)
		api_unlock(a->api);
	else
		pthread_mutex_unlock(&a->lock);
}

/* The API's commit: publish the change; returns once every worker sees it. */
static int app_commit(void *arg, const struct delta *d)
{
	struct app *a = arg;

	return engine_apply(a->engine, d);
}

struct opts {
	const char *config;  /* NULL = the embedded default */
	const char *control; /* control socket path */
	bool print_model, check;
};

static void usage(FILE *out, const char *prog)
{
	fprintf(out,
		"usage: %s [-c FILE] [--print-model] [--check] [--control PATH]\n"
		"  -c, --config FILE  YAML configuration (default: the embedded default)\n"
		"  --print-model      print the model loaded from the configuration and exit\n"
		"  --check            validate the configuration and exit\n"
		"  --control PATH     control socket (default $ENIMAP_CONTROL or\n"
		"                     /run/enimap-<pid>.sock); `enimapctl -s PATH help` lists "
		"commands\n",
		prog);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
	    {"config", required_argument, NULL, 'c'}, {"print-model", no_argument, NULL, 'p'},
	    {"check", no_argument, NULL, 'k'},	      {"control", required_argument, NULL, 's'},
	    {"help", no_argument, NULL, 'h'},	      {NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->control = getenv("ENIMAP_CONTROL");
	while ((c = getopt_long(argc, argv, "c:h", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'p':
			o->print_model = true;
			break;
		case 'k':
			o->check = true;
			break;
		case 's':
			o->control = optarg;
			break;
		case 'h':
			usage(stdout, argv[0]);
			exit(0);
		default:
			usage(stderr, argv[0]);
			return -EINVAL;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", argv[0], argv[optind]);
		usage(stderr, argv[0]);
		return -EINVAL;
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int load_config(const struct opts *o, struct app *a)
{
	struct config_err err;
	int rc;

	a->model = model_create();
	if (a->model == NULL) {
		fprintf(stderr, "enimap: model_create: %s\n", strerror(errno));
		return -1;
	}
	if (o->config != NULL)
		rc = config_load(o->config, &a->cfg, a->model, NULL, &err);
	else
		rc = config_load_string("<embedded default.yaml>", config_default_yaml,
					config_default_yaml_len, &a->cfg, a->model, NULL, &err);
	if (rc != 0) {
		fprintf(stderr, "enimap: %s\n", err.message);
		return -1;
	}
	return 0;
}

/* One control-socket line: a query, or a model change applied to the tables. */
static void handle_line(const char *line, FILE *out, void *arg)
{
	struct app *a = arg;
	int rc;

	app_lock(a);
	/* first: its --json is no option ctl_exec knows */
	if (tables_cmd(a->engine, a->model, line, out) == 0) {
		app_unlock(a);
		return;
	}
	delta_reset(&a->delta);
	uint64_t sg_before = model_sg_version(a->model); /* group changes carry no delta */
	rc = ctl_exec(a->model, line, &a->delta, out);
	if (rc == CTL_OK && a->api != NULL)
		api_model_changed(a->api); /* a query changed nothing, but cannot tell us */
	if (rc == CTL_OK && (a->delta.n > 0 || model_sg_version(a->model) != sg_before)) {
		/* the reply is sent after this returns: the change is visible by then */
		int arc = engine_apply(a->engine, &a->delta);

		if (arc != 0)
			fprintf(out, "ERR InternalError: tables not updated: %s\n", strerror(-arc));
	} else if (rc == CTL_UNKNOWN) {
		if (guest_cmd(a->engine, a->guest, a->model, line, out) != 0 &&
		    observe_cmd(a->engine, a->model, line, out) != 0 &&
		    stats_print(a->engine, a->model, line, out) != 0)
			fprintf(out, "ERR InvalidAction: unknown command '%s' (try help)\n", line);
	}
	app_unlock(a);
}

/* The EC2 API over the model, with its journal replayed (before the tables are built). */
static int create_api(struct app *a)
{
	struct api_err err;

	if (!a->cfg.api.enabled)
		return 0;
	a->api = api_create(a->model, &a->cfg.api, app_commit, a, &err);
	if (a->api == NULL) {
		fprintf(stderr, "enimap: API: %s\n", err.message);
		return -1;
	}
	if (api_replay(a->api, &err) != 0) {
		fprintf(stderr, "enimap: journal: %s\n", err.message);
		return -1;
	}
	return 0;
}

static int start_api(struct app *a)
{
	struct api_err err;

	if (a->api == NULL)
		return 0;
	if (api_start(a->api, &err) != 0) {
		RTE_LOG(ERR, ENIMAP, "API on %s: %s\n", a->cfg.api.listen, err.message);
		return -1;
	}
	RTE_LOG(NOTICE, ENIMAP, "EC2 API: http://%s/\n", a->cfg.api.listen);
	return 0;
}

/*
 * The Prometheus endpoint. It only observes: when it cannot bind (another
 * engine on this host has the default address) the engine runs on without
 * it, and says so.
 */
static void start_metrics(struct app *a)
{
	struct metrics_source src = {.e = a->engine,
				     .m = a->model,
				     .api = a->api,
				     .guest = a->guest,
				     .port_names = a->port_names,
				     .lock = app_lock,
				     .unlock = app_unlock,
				     .arg = a};
	char err[256];

	if (!a->cfg.metrics.enabled)
		return;
	for (size_t i = 0; i < a->cfg.engine.n_ports && i < ENGINE_MAX_PORTS; i++)
		a->port_names[i] = a->cfg.engine.ports[i].name;
	a->metrics = metrics_start(a->cfg.metrics.listen, &src, err, sizeof(err));
	if (a->metrics == NULL)
		RTE_LOG(ERR, ENIMAP, "%s: running without metrics\n", err);
	else
		RTE_LOG(NOTICE, ENIMAP, "metrics: http://%s/metrics\n", a->cfg.metrics.listen);
}

/* The router's own services for its machines (DHCP, metadata): off when both are. */
static int start_guest(struct app *a)
{
	struct guestsvc_params p = {.e = a->engine,
				    .m = a->model,
				    .lock = app_lock,
				    .unlock = app_unlock,
				    .arg = a,
				    .dhcp = a->cfg.guest.dhcp,
				    .imds = a->cfg.guest.imds,
				    .lease_s = a->cfg.guest.lease_seconds,
				    .n_ports = (unsigned)a->cfg.engine.n_ports};

	if (!a->cfg.guest.dhcp && !a->cfg.guest.imds)
		return 0;
	for (unsigned i = 0; i < p.n_ports && i < RTE_DIM(p.mtu); i++)
		p.mtu[i] = a->cfg.engine.ports[i].mtu ? a->cfg.engine.ports[i].mtu : 1500;
	a->guest = guestsvc_start(&p, engine_max_enis(a->engine));
	if (a->guest == NULL) {
		RTE_LOG(ERR, ENIMAP, "guest services: %s\n", strerror(errno));
		return -1;
	}
	if (guestsvc_imds_error(a->guest) != NULL)
		RTE_LOG(NOTICE, ENIMAP, "running without the instance metadata service: %s\n",
			guestsvc_imds_error(a->guest));
	else if (a->cfg.guest.imds && guestsvc_imds_ipv6_error(a->guest) != NULL)
		RTE_LOG(NOTICE, ENIMAP,
			"instance metadata service: 169.254.169.254:80 (not [fd00:ec2::254]: %s)\n",
			guestsvc_imds_ipv6_error(a->guest));
	else if (a->cfg.guest.imds)
		RTE_LOG(NOTICE, ENIMAP,
			"instance metadata service: 169.254.169.254:80 and [fd00:ec2::254]:80\n");
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* load_s: configuration read into the model; tables_s: ports, tables, workers started */
static void log_start(const struct app *a, const struct engine_eal *eal, double load_s,
		      double tables_s)
{
	struct model_stats ms;

	model_get_stats(a->model, &ms);
	RTE_LOG(NOTICE, ENIMAP,
		"started: %u port(s), %u worker(s), %zu ENIs, %zu IPv4, %zu IPv6, %zu EIPs "
		"(%zu associated) loaded in %.3f s (configuration %.3f s, dataplane %.3f s); "
		"EAL prefix %s%s\n",
		engine_n_ports(a->engine), engine_n_workers(a->engine), ms.enis, ms.v4, ms.v6,
		ms.eips, ms.associations, load_s + tables_s, load_s, tables_s, eal->prefix,
		eal->no_huge ? ", no hugepages" : "");
}

static int serve(struct app *a, const char *path)
{
	struct ctlsrv *srv = ctlsrv_create(path, handle_line, a);

	if (srv == NULL) {
		RTE_LOG(ERR, ENIMAP, "control socket %s: %s\n", path, strerror(errno));
		return -1;
	}
	RTE_LOG(NOTICE, ENIMAP, "control socket: %s\n", path);
	while (!stop_requested) {
		/* a capture's copies are written from here: often while one runs */
		ctlsrv_poll(srv, engine_capturing(a->engine) ? 5 : 200);
		engine_tick(a->engine); /* this is the EAL main thread: the flow table's sweep */
	}
	RTE_LOG(NOTICE, ENIMAP, "stopping\n");
	ctlsrv_free(srv);
	return 0;
}

int main(int argc, char **argv)
{
	static struct app a; /* big (config); static keeps it off the stack */
	static struct engine_eal eal;
	char default_sock[64];
	struct opts o;
	double t0, load_s, t1;
	int rc = 1;

	if (parse_opts(argc, argv, &o) != 0)
		return 2;
	t0 = now_s();
	if (load_config(&o, &a) != 0)
		goto out_model;
	load_s = now_s() - t0;
	if (o.print_model) {
		rc = model_dump(a.model, stdout) == 0 ? 0 : 1;
		goto out_model;
	}
	if (o.check) {
		struct model_stats ms;

		model_get_stats(a.model, &ms);
		printf("%s: ok: %zu port(s), %zu ENIs, %zu IPv4, %zu IPv6, %zu EIPs\n",
		       o.config ? o.config : "<embedded default.yaml>", a.cfg.engine.n_ports,
		       ms.enis, ms.v4, ms.v6, ms.eips);
		rc = 0;
		goto out_model;
	}
	install_signals();
	pthread_mutex_init(&a.lock, NULL);
	if (create_api(&a) != 0)
		goto out_model;
	rc = engine_eal_init(&a.cfg.engine, argv[0], &eal);
	if (rc != 0) {
		fprintf(stderr, "enimap: EAL init failed: %s\n", strerror(-rc));
		rc = 1;
		goto out_model;
	}
	rc = 1;
	t1 = now_s();
	a.cfg.engine.punt_rate = a.cfg.guest.punt_rate;
	a.engine = engine_create(&a.cfg.engine, a.model);
	if (a.engine == NULL) {
		RTE_LOG(ERR, ENIMAP, "cannot start the dataplane: %s\n", strerror(errno));
		goto out_eal;
	}
	log_start(&a, &eal, load_s, now_s() - t1);
	if (stats_register(a.engine, a.model, app_lock, app_unlock, &a) != 0)
		RTE_LOG(WARNING, ENIMAP, "telemetry commands not registered\n");
	/* the guest services before the API: once the API answers, guests are served too */
	if (start_guest(&a) != 0)
		goto out_engine;
	if (start_api(&a) != 0)
		goto out_engine;
	start_metrics(&a);
	if (o.control == NULL) {
		snprintf(default_sock, sizeof(default_sock), "/run/enimap-%ld.sock",
			 (long)getpid());
		o.control = default_sock;
	}
	rc = serve(&a, o.control) == 0 ? 0 : 1;
out_engine:
	metrics_stop(a.metrics); /* before the engine and the model it reads */
	guestsvc_stop(a.guest);	 /* the same */
	if (a.api != NULL)
		api_stop(a.api);
	stats_detach();
	engine_free(a.engine);
out_eal:
	engine_eal_cleanup(&eal);
out_model:
	if (a.api != NULL)
		api_free(a.api);
	delta_free(&a.delta);
	model_free(a.model);
	return rc;
}
