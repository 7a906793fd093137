#include "core/workpool.h"

#include "core/alloc.h"
#include "core/error.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>

struct job {
	struct job *next;
	wg_work_fn fn;
	wg_work_done_fn done;
	void *arg;
};

struct wg_workpool {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct job *head, *tail;
	bool stopping;
	unsigned nthreads;
	pthread_t threads[];
};

static void *worker(void *arg)
{
	wg_workpool *p = arg;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->head && !p->stopping)
			pthread_cond_wait(&p->wake, &p->lock);
		struct job *j = p->head;
		if (!j)
			break; /* stopping and drained */
		p->head = j->next;
		if (!p->head)
			p->tail = NULL;
		pthread_mutex_unlock(&p->lock);
		int rc = j->fn(j->arg);
		j->done(j->arg, rc);
		wg_free(j);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

wg_workpool *wg_workpool_new(unsigned n)
{
	if (n == 0)
		n = 1;
	wg_workpool *p = wg_calloc(1, sizeof *p + n * sizeof p->threads[0]);
	if (!p)
		return NULL;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	/* Signals belong to the server's main thread, never to these. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (; p->nthreads < n; p->nthreads++)
		if (pthread_create(&p->threads[p->nthreads], NULL, worker, p) != 0)
			break;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (p->nthreads == 0) {
		wg_workpool_free(p);
		return NULL;
	}
	return p;
}

int wg_workpool_submit(wg_workpool *p, wg_work_fn fn, wg_work_done_fn done, void *arg)
{
	struct job *j = wg_malloc(sizeof *j);
	if (!j)
		return WG_ENOMEM;
	j->next = NULL;
	j->fn = fn;
	j->done = done;
	j->arg = arg;
	pthread_mutex_lock(&p->lock);
	if (p->stopping) {
		pthread_mutex_unlock(&p->lock);
		wg_free(j);
		return WG_ESHUTDOWN;
	}
	if (p->tail)
		p->tail->next = j;
	else
		p->head = j;
	p->tail = j;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

void wg_workpool_free(wg_workpool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	wg_free(p);
}
