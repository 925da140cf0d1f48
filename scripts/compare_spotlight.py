#!/usr/bin/env python3
"""Side-by-side speed and accuracy: our `spotlight` CLI against Spotlight (MovieLens 100K, or --grid).

Without --grid, the configurations run on MovieLens 100K; --grid runs a grid of cells on
generated data shapes instead. On MovieLens 100K, explicit regression and implicit BPR run in
the three optimizer variants of the grid's factorization cells (below): `dense` keeps the
plain names (explicit-regression, implicit-bpr), the others add -sparse and -spotlight-sparse.

Runs each configuration once per side per repeat, interleaved (ours, Spotlight, ours,
Spotlight, ...) so that load from other processes on a shared machine hits both sides alike,
and prints one markdown table on stdout (progress goes to stderr).

Every run is its own child process, so peak RSS is that process's own (os.wait4) and
nothing leaks between runs. Spotlight is imported from SPOTLIGHT_SRC at run time by this same
file, started under PYTHON with `--spotlight-child CONFIG_JSON`; the driver itself needs only
the standard library. No Spotlight code is copied here. Everything a configuration sets
(data folder, hyperparameters, sequence shape, sparse gradients, optimizer) is in its
configuration dict, handed to our CLI as --set overrides and to the Spotlight child as JSON.

--grid runs cells on data generated with random.Random(SEED) into the scratch folder (one
u.data per data shape, shared by both sides; a few seconds to write):
- factorization, on catalogues of 1,682, 10,000 and 50,000 items, each with 5,000 users and
  about 100,000 interactions (item popularity skewed towards low ids; users and items in 20
  clusters, half of a user's interactions and the higher ratings in its own cluster):
  explicit regression and implicit BPR, embedding_dim 32, batch 256, lr 0.01, n_iter 10, in
  three variants: `dense` (Adam on both sides; the table also gives the traffic our Adam
  steps imply, 7 * 4 bytes * (num_users + num_items) * (embedding_dim + 1) per step, over our
  fit seconds), `sparse` (ours sparse_adam with "sparse": true tables against Spotlight's
  dense Adam) and `spotlight-sparse` (ours the same against Spotlight's sparse=True with
  Adagrad, lr 0.05: Spotlight's Adam takes no sparse gradients);
- sequences, on 2,000 items whose order follows a Markov chain (each item has 3 fixed
  successors, taken with probability 0.7, else a popularity-skewed random item), user lengths
  lognormal around 60 clipped to [5, 400], about 60,000 interactions: representation pooling,
  cnn, lstm, mixture x loss bpr, adaptive_hinge x batch 32, 256, 1024 x window 10, 50, 200
  (max length and step size the window, min length 3 on both sides), n_iter 2.

Environment: SPOTLIGHT_SRC (required), DATA_DIR (MovieLens 100K folder holding u.data; not
used by --grid), PYTHON (interpreter with torch, numpy, scipy; default /usr/bin/python3),
SPOTLIGHT_CLI (our binary; default build/bin/spotlight).
"""

import argparse
import json
import math
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time

SEED = 42
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXPERIMENTS = os.path.join(REPO, 'examples', 'experiments')
SEQUENCE_REPRESENTATIONS = ('pooling', 'cnn', 'lstm', 'mixture')


# ---------------------------------------------------------------------------------------
# configurations


def configurations(sequence_adaptive_hinge):
    """The issue's configurations, with the hyperparameters both sides use.

    The hyperparameters also live in our experiment files; both sides are handed the same
    values explicitly (`hyper`, `sequence`), so a reader sees them here side by side.
    """
    factorization = dict(embedding_dim=32, batch_size=256, learning_rate=0.01, l2=0.0, n_iter=10)
    sequence = dict(embedding_dim=32, batch_size=32, learning_rate=0.01, l2=0.0, n_iter=10)
    configs = []
    for task, loss, experiment, metric, variants in (
            ('explicit', 'regression', 'movielens_explicit_regression.json', 'rmse', FACTORIZATION_VARIANTS),
            ('implicit', 'bpr', 'movielens_implicit_bpr.json', 'mrr', FACTORIZATION_VARIANTS),
            ('implicit', 'adaptive_hinge', 'movielens_implicit_bpr.json', 'mrr', FACTORIZATION_VARIANTS[:1])):
        for variant, ours, spotlight, optimizers in variants:
            suffix = '' if variant == 'dense' else '-' + variant
            configs.append(dict(name='{}-{}{}'.format(task, loss, suffix), task=task, loss=loss,
                                experiment=experiment, metric=metric, hyper=factorization, variant=variant,
                                ours=ours, spotlight=spotlight, optimizers=optimizers))
    losses = ('bpr', 'adaptive_hinge') if sequence_adaptive_hinge else ('bpr',)
    for representation in SEQUENCE_REPRESENTATIONS:
        for loss in losses:
            configs.append(dict(name='sequence-{}-{}'.format(representation, loss), task='sequence',
                                loss=loss, representation=representation,
                                experiment='movielens_sequence_{}.json'.format(representation),
                                metric='sequence_mrr', hyper=sequence,
                                sequence=dict(max_length=200, min_length=20, step_size=200)))
    return configs


GRID_CATALOGUES = (1682, 10000, 50000)
GRID_BATCHES = (32, 256, 1024)
GRID_WINDOWS = (10, 50, 200)
GRID_MIN_LENGTH = 3  # short enough for window 10; the same on both sides
GRID_SEQUENCE_N_ITER = 2
SPOTLIGHT_SPARSE_ADAGRAD_LR = 0.05

# Optimizer variants of the factorization cells: ours (optimizer plugin, sparse tables) against
# Spotlight (sparse=True or not, optimizer_func or its default Adam).
FACTORIZATION_VARIANTS = (
    ('dense', dict(optimizer='adam', sparse=False), dict(sparse=False, optimizer=None),
     'adam / Adam'),
    ('sparse', dict(optimizer='sparse_adam', sparse=True), dict(sparse=False, optimizer=None),
     'sparse_adam, sparse / Adam'),
    ('spotlight-sparse', dict(optimizer='sparse_adam', sparse=True),
     dict(sparse=True, optimizer=dict(type='adagrad', learning_rate=SPOTLIGHT_SPARSE_ADAGRAD_LR)),
     'sparse_adam, sparse / Adagrad lr {}, sparse=True'.format(SPOTLIGHT_SPARSE_ADAGRAD_LR)),
)


def grid_configurations(sequence_adaptive_hinge):
    """--grid: factorization cells per catalogue and optimizer variant, then the sequence cells.

    `data` names the generated data shape a cell runs on; cells of one shape share one file.
    """
    factorization = dict(embedding_dim=32, batch_size=256, learning_rate=0.01, l2=0.0, n_iter=10)
    configs = []
    for num_items in GRID_CATALOGUES:
        data = dict(kind='factorization', num_items=num_items)
        for variant, ours, spotlight, optimizers in FACTORIZATION_VARIANTS:
            for task, loss, experiment, metric in (
                    ('explicit', 'regression', 'movielens_explicit_regression.json', 'rmse'),
                    ('implicit', 'bpr', 'movielens_implicit_bpr.json', 'mrr')):
                configs.append(dict(name='items{}-{}-{}-{}'.format(num_items, variant, task, loss),
                                    task=task, loss=loss, experiment=experiment, metric=metric,
                                    hyper=factorization, data=data, variant=variant, ours=ours,
                                    spotlight=spotlight, optimizers=optimizers))
    losses = ('bpr', 'adaptive_hinge') if sequence_adaptive_hinge else ('bpr',)
    for representation in SEQUENCE_REPRESENTATIONS:
        for loss in losses:
            for batch_size in GRID_BATCHES:
                for window in GRID_WINDOWS:
                    hyper = dict(embedding_dim=32, batch_size=batch_size, learning_rate=0.01, l2=0.0,
                                 n_iter=GRID_SEQUENCE_N_ITER)
                    configs.append(dict(
                        name='sequence-{}-{}-b{}-w{}'.format(representation, loss, batch_size, window),
                        task='sequence', loss=loss, representation=representation,
                        experiment='movielens_sequence_{}.json'.format(representation),
                        metric='sequence_mrr', hyper=hyper, data=dict(kind='sequence'),
                        sequence=dict(max_length=window, min_length=GRID_MIN_LENGTH, step_size=window),
                        optimizers='adam / Adam'))
    return configs


# ---------------------------------------------------------------------------------------
# generated data for --grid: u.data as MovieLens 100K lays it out (user, item, rating,
# timestamp; tab-separated), ids from 1 (0 is Spotlight's sequence padding)


FACTORIZATION_USERS = 5000
FACTORIZATION_INTERACTIONS = 100000
FACTORIZATION_MAX_PER_USER = 300
CLUSTERS = 20
SEQUENCE_ITEMS = 2000
SEQUENCE_INTERACTIONS = 60000
SEQUENCE_SUCCESSORS = 3
SEQUENCE_FOLLOW = 0.7
POPULARITY_POWER = 3.0  # index = n * u**3: density ~ x**(-2/3), the top 10% of ids draw 46%
FIRST_TIMESTAMP = 874724710  # ML-100K's first


def skewed_index(rng, n):
    """An index in [0, n) drawn towards 0 (item popularity falling with the id)."""
    return min(int(n * rng.random() ** POPULARITY_POWER), n - 1)


def data_folder(data, scratch):
    """The folder holding the u.data of this data shape, written on first use."""
    name = 'factorization-items{}'.format(data['num_items']) if data['kind'] == 'factorization' else 'sequence'
    folder = os.path.join(scratch, 'data-' + name)
    if not os.path.isdir(folder):
        started = time.perf_counter()
        os.makedirs(folder)
        if data['kind'] == 'factorization':
            lines = factorization_lines(data['num_items'], random.Random(SEED))
        else:
            lines = sequence_lines(random.Random(SEED))
        with open(os.path.join(folder, 'u.data'), 'w') as f:
            f.write(''.join(lines))
        log('data {}: {} interactions, written in {:.1f} s'.format(
            name, len(lines), time.perf_counter() - started))
    return folder


def factorization_lines(num_items, rng):
    """Users and items in CLUSTERS clusters (item i in cluster i % CLUSTERS): half of a user's
    interactions in its own cluster, rated 4 +- 1 there and 2 +- 1 elsewhere, plus a fixed
    per-item offset of -1, 0 or +1; no user rates an item twice; activity lognormal."""
    members = [[] for _ in range(CLUSTERS)]
    for item in range(1, num_items + 1):
        members[item % CLUSTERS].append(item)
    offset = [rng.choice((-1, 0, 0, 1)) for _ in range(num_items + 1)]
    activity = [rng.lognormvariate(0.0, 0.8) for _ in range(FACTORIZATION_USERS)]
    scale = FACTORIZATION_INTERACTIONS / sum(activity)
    lines = []
    for user in range(1, FACTORIZATION_USERS + 1):
        cluster = rng.randrange(CLUSTERS)
        count = min(max(2, round(activity[user - 1] * scale)), FACTORIZATION_MAX_PER_USER)
        seen = {num_items} if user == 1 else set()  # the last id once, so max id + 1 is the catalogue
        items = [num_items] if user == 1 else []
        while len(items) < count:
            own = rng.random() < 0.5
            for _ in range(20):
                item = (members[cluster][skewed_index(rng, len(members[cluster]))] if own
                        else 1 + skewed_index(rng, num_items))
                if item not in seen:
                    break
            while item in seen:  # crowded: any item not yet rated
                item = 1 + rng.randrange(num_items)
            seen.add(item)
            items.append(item)
        timestamp = FIRST_TIMESTAMP + rng.randrange(10 ** 7)
        for item in items:
            base = 4 if item % CLUSTERS == cluster else 2
            rating = min(5, max(1, base + offset[item] + rng.choice((-1, 0, 0, 1))))
            timestamp += rng.randint(1, 3600)
            lines.append('{}\t{}\t{}\t{}\n'.format(user, item, rating, timestamp))
    return lines


def sequence_lines(rng):
    """Users whose items follow a Markov chain: after an item, one of its SEQUENCE_SUCCESSORS
    fixed successors with probability SEQUENCE_FOLLOW, else a popularity-skewed random item.
    Lengths lognormal around 60, clipped to [5, 400]; timestamps increase per user."""
    successors = [None] + [[1 + rng.randrange(SEQUENCE_ITEMS) for _ in range(SEQUENCE_SUCCESSORS)]
                           for _ in range(SEQUENCE_ITEMS)]
    lines, user = [], 0
    while len(lines) < SEQUENCE_INTERACTIONS:
        user += 1
        length = min(400, max(5, round(rng.lognormvariate(math.log(60), 0.8))))
        item = SEQUENCE_ITEMS if user == 1 else 1 + skewed_index(rng, SEQUENCE_ITEMS)
        timestamp = FIRST_TIMESTAMP + rng.randrange(10 ** 7)
        for _ in range(length):
            lines.append('{}\t{}\t{}\t{}\n'.format(user, item, 1 + rng.randrange(5), timestamp))
            timestamp += rng.randint(1, 3600)
            item = (rng.choice(successors[item]) if rng.random() < SEQUENCE_FOLLOW
                    else 1 + skewed_index(rng, SEQUENCE_ITEMS))
    return lines


# ---------------------------------------------------------------------------------------
# Spotlight side: runs in a child process under PYTHON (needs torch, numpy, scipy)


def spotlight_child(config):
    """Load, split, fit, evaluate with Spotlight; print one JSON line of results."""
    sys.dont_write_bytecode = True  # never leave __pycache__ in SPOTLIGHT_SRC
    sys.path.insert(0, os.environ['SPOTLIGHT_SRC'])
    import warnings
    import numpy as np
    import torch
    from spotlight.interactions import Interactions
    from spotlight.cross_validation import random_train_test_split, user_based_train_test_split
    from spotlight.evaluation import mrr_score, rmse_score, sequence_mrr_score

    warnings.filterwarnings('ignore')  # CNNNet's F.tanh deprecation notice, once per batch
    torch.set_num_threads(config['threads'])

    # Raw ids kept (ML-100K: num_users 944, num_items 1683), as our "ids": "raw" and the reference.
    raw = np.loadtxt(os.path.join(config['data_dir'], 'u.data'), dtype=np.int64, delimiter='\t')
    data = Interactions(raw[:, 0].astype(np.int32), raw[:, 1].astype(np.int32),
                        ratings=raw[:, 2].astype(np.float32), timestamps=raw[:, 3].astype(np.int32))

    # The split always uses SEED (the same interactions on both sides); the model's seed varies
    # with --model-seeds.
    torch.manual_seed(config['model_seed'])
    model_random = np.random.RandomState(config['model_seed'])
    hyper = dict(config['hyper'], loss=config['loss'], random_state=model_random)
    variant = config.get('spotlight', {})  # optimizer variants: sparse=True, an optimizer other than Adam
    if variant.get('sparse'):
        hyper['sparse'] = True
    if variant.get('optimizer'):
        hyper['optimizer_func'] = optimizer_func(torch, variant['optimizer'])
    if config['task'] == 'sequence':
        import spotlight.sequence.implicit as module
        train, test = user_based_train_test_split(data, test_percentage=0.2,
                                                  random_state=np.random.RandomState(SEED))
        sequence = config['sequence']
        shape = dict(max_sequence_length=sequence['max_length'], min_sequence_length=sequence['min_length'],
                     step_size=sequence['step_size'])
        train, test = train.to_sequence(**shape), test.to_sequence(**shape)
        model = module.ImplicitSequenceModel(representation=config['representation'], **hyper)
        units = int((train.sequences != 0).sum())  # non-padding steps, as our CLI counts
    else:
        if config['task'] == 'explicit':
            import spotlight.factorization.explicit as module
            model_class = module.ExplicitFactorizationModel
        else:
            import spotlight.factorization.implicit as module
            model_class = module.ImplicitFactorizationModel
        train, test = random_train_test_split(data, test_percentage=0.2,
                                              random_state=np.random.RandomState(SEED))
        model = model_class(**hyper)
        units = len(train)

    fit_seconds = timed_epochs(model, module, train)

    started = time.perf_counter()
    if config['task'] == 'explicit':
        metric = float(rmse_score(model, test))
    elif config['task'] == 'implicit':
        metric = float(np.mean(mrr_score(model, test, train=train)))  # train items excluded
    else:
        metric = float(np.mean(sequence_mrr_score(model, test)))
    evaluation_seconds = time.perf_counter() - started

    print(json.dumps({'metric': metric, 'fit_seconds': fit_seconds,
                      'rate': units * config['hyper']['n_iter'] / fit_seconds,
                      'evaluation_seconds': evaluation_seconds, 'kernels': spotlight_side_kernels(torch)}))


def optimizer_func(torch, optimizer):
    """Spotlight's optimizer_func (called with the net's parameters) for {'type', 'learning_rate'};
    without one Spotlight builds Adam(lr=learning_rate, weight_decay=l2) itself."""
    factory = {'adagrad': torch.optim.Adagrad, 'adam': torch.optim.Adam,
               'sparse_adam': torch.optim.SparseAdam}[optimizer['type']]
    return lambda parameters: factory(parameters, lr=optimizer['learning_rate'])


def spotlight_side_kernels(torch):
    """The OpenBLAS kernel set and ATen CPU capability this interpreter's PyTorch runs."""
    import ctypes
    try:
        corename = ctypes.CDLL('libopenblas.so.0').openblas_get_corename  # the copy PyTorch loaded
        corename.restype = ctypes.c_char_p
        blas = corename().decode()
    except (AttributeError, OSError):
        blas = 'not OpenBLAS'
    capability = os.environ.get('ATEN_CPU_CAPABILITY') or 'default'
    if hasattr(torch.backends, 'cpu') and hasattr(torch.backends.cpu, 'get_cpu_capability'):
        capability = torch.backends.cpu.get_cpu_capability()
    else:  # PyTorch before 2.0: the build summary names the capability the dispatcher chose
        match = re.search(r'CPU capability usage: (\w+)', torch.__config__.show())
        capability = match.group(1) if match else capability
    return 'OpenBLAS {}, ATen {}'.format(blas, capability)


def timed_epochs(model, module, train):
    """Seconds from the start of the first epoch to the end of fit().

    Our CLI's fit_seconds is the sum of its epochs (model construction and per-epoch
    checkpoints excluded), so Spotlight's one-off setup in fit() (_initialize) is left out the
    same way. Spotlight's fit loops call the module's `shuffle` first thing in every epoch;
    wrapping it marks the first epoch's start without changing Spotlight.
    """
    original, marks = module.shuffle, []

    def marking_shuffle(*arrays, **kwargs):
        marks.append(time.perf_counter())
        return original(*arrays, **kwargs)

    module.shuffle = marking_shuffle
    try:
        model.fit(train, verbose=False)
        finished = time.perf_counter()
    finally:
        module.shuffle = original
    return finished - marks[0]


# ---------------------------------------------------------------------------------------
# driver: child processes and their peak RSS


def run_child(argv, env, log_path):
    """Run argv to completion; return (stdout text, peak RSS in MiB) or exit with its log."""
    with open(log_path, 'w') as log:
        child = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=log, text=True)
        stdout = child.stdout.read()
        # wait4 instead of RUSAGE_CHILDREN: the latter is the maximum over all children so
        # far, not this child's own peak.
        _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        with open(log_path) as log:
            tail = log.read()[-3000:]
        sys.exit('compare-spotlight: {} failed (exit {}):\n{}'.format(argv[0], child.returncode, tail))
    return stdout, usage.ru_maxrss / 1024.0  # Linux reports kilobytes


def our_overrides(config):
    """--set overrides for what the configuration sets beyond the experiment file's defaults."""
    hyper = config['hyper']
    settings = ['model.embedding_dim={}'.format(hyper['embedding_dim']),
                'model.batch_size={}'.format(hyper['batch_size']), 'model.n_iter={}'.format(hyper['n_iter']),
                'model.optimizer.learning_rate={}'.format(hyper['learning_rate']),
                'model.optimizer.l2={}'.format(hyper['l2'])]
    if 'sequence' in config:
        settings += ['sequence.{}={}'.format(key, value) for key, value in sorted(config['sequence'].items())]
    ours = config.get('ours', {})
    if ours.get('optimizer'):
        settings.append('model.optimizer.type=' + ours['optimizer'])
    if ours.get('sparse'):
        settings.append('model.representation.sparse=true')
    return [argument for setting in settings for argument in ('--set', setting)]


def run_ours(config, args, env, scratch):
    """One run of our CLI; reads OUTPUT/metrics.json."""
    output = os.path.join(scratch, 'ours-' + config['name'])
    evaluation = '[{"plugin":"%s"}]' % config['metric']  # only the metric, so evaluation_seconds is its time
    argv = [args.cli, 'run', os.path.join(EXPERIMENTS, config['experiment']),
            '--set', 'dataset.variant=null', '--set', 'dataset.path=' + config['data_dir'], '--set', 'threads={}'.format(args.threads),
            '--set', 'split.seed={}'.format(SEED), '--set', 'model.seed={}'.format(config['model_seed']),
            '--set', 'model.loss.plugin=' + config['loss'], '--set', 'evaluation=' + evaluation,
            *our_overrides(config), '--output', output]
    _, rss = run_child(argv, env, output + '.log')
    with open(os.path.join(output, 'metrics.json')) as f:
        metrics = json.load(f)
    return {'metric': metrics['metrics'][config['metric']], 'fit_seconds': metrics['fit_seconds'],
            'rate': metrics['interactions_per_second'],
            'evaluation_seconds': metrics['evaluation_seconds'], 'rss_mib': rss, 'data': metrics['data']}


def run_spotlight(config, args, env, scratch):
    """One run of Spotlight in a fresh interpreter (this file in child mode)."""
    payload = dict(config, threads=args.threads)
    argv = [args.python, os.path.abspath(__file__), '--spotlight-child', json.dumps(payload)]
    stdout, rss = run_child(argv, env, os.path.join(scratch, 'spotlight-{}.log'.format(config['name'])))
    result = json.loads(stdout.strip().splitlines()[-1])
    result['rss_mib'] = rss
    if result['kernels'] not in SPOTLIGHT_KERNELS_SEEN:
        SPOTLIGHT_KERNELS_SEEN.add(result['kernels'])
        log('Spotlight: {}'.format(result['kernels']))
    return result


SPOTLIGHT_KERNELS_SEEN = set()


def compare(config, args, env, scratch):
    """Interleave the sides over repeats and model seeds; keep the fastest fit per side and the
    metric of each seed's first run (mean and standard deviation when there are several seeds)."""
    runs = {'ours': [], 'spotlight': []}
    metrics = {'ours': {}, 'spotlight': {}}
    for repeat in range(args.repeat):
        for seed in args.model_seeds:
            seeded = dict(config, model_seed=seed)
            for side, runner in (('ours', run_ours), ('spotlight', run_spotlight)):
                result = runner(seeded, args, env, scratch)
                runs[side].append(result)
                metrics[side].setdefault(seed, result['metric'])
                log('  {} #{} seed {}: {} {:.4f}, fit {:.2f} s, eval {:.3f} s, {:.0f} MiB'.format(
                    side, repeat + 1, seed, config['metric'], result['metric'], result['fit_seconds'],
                    result['evaluation_seconds'], result['rss_mib']))
    best = {}
    for side, results in runs.items():
        fastest = dict(min(results, key=lambda r: r['fit_seconds']))
        values = list(metrics[side].values())
        fastest['metric'] = statistics.mean(values)
        fastest['metric_sd'] = statistics.stdev(values) if len(values) > 1 else None
        fastest['evaluation_seconds'] = min(r['evaluation_seconds'] for r in results)
        fastest['rss_mib'] = max(r['rss_mib'] for r in results)
        best[side] = fastest
    return best


def metric_cell(result):
    """The metric, with its spread over model seeds when there are several."""
    if result['metric_sd'] is None:
        return '{:.4f}'.format(result['metric'])
    return '{:.4f} ± {:.4f}'.format(result['metric'], result['metric_sd'])


# ---------------------------------------------------------------------------------------
# table


def thousands(value):
    return '{:.0f}K'.format(value / 1000.0) if value >= 10000 else '{:.1f}K'.format(value / 1000.0)


def row_cells(config, best):
    """Name, metric, fit seconds, throughput, peak RSS and speed ratio of one configuration."""
    ours, theirs = best['ours'], best['spotlight']
    label = {'rmse': 'RMSE', 'mrr': 'MRR', 'sequence_mrr': 'seq. MRR'}[config['metric']]
    unit = ' steps/s' if config['task'] == 'sequence' else ' int./s'
    return [config['name'], '{} {} / {}'.format(label, metric_cell(ours), metric_cell(theirs)),
            '{:.2f} / {:.2f}'.format(ours['fit_seconds'], theirs['fit_seconds']),
            '{} / {}{}'.format(thousands(ours['rate']), thousands(theirs['rate']), unit),
            '{:.0f} / {:.0f} MiB'.format(ours['rss_mib'], theirs['rss_mib']),
            '{:.2f}x'.format(theirs['fit_seconds'] / ours['fit_seconds'])]


def markdown_row(cells):
    return '| {} |'.format(' | '.join(cells))


def table_rows(config, best):
    """One row per configuration; the BPR factorization adds the evaluation-time row. The
    factorization rows name their optimizers, and the dense ones our Adam's GB/s."""
    ours, theirs = best['ours'], best['spotlight']
    cells = row_cells(config, best)
    if 'variant' in config:
        cells[0] += ' ({})'.format(config['optimizers'])
    dense = config.get('variant') == 'dense'
    cells.append('{:.1f}'.format(adam_gigabytes_per_second(config, ours)) if dense else '')
    rows = [markdown_row(cells)]
    if config['name'] == 'implicit-bpr':
        rows.append(markdown_row([
            'implicit-bpr: full-ranking MRR evaluation (eval s)',
            'MRR {} / {}'.format(metric_cell(ours), metric_cell(theirs)),
            '{:.3f} / {:.3f}'.format(ours['evaluation_seconds'], theirs['evaluation_seconds']),
            '', '(same runs)', '{:.2f}x'.format(theirs['evaluation_seconds'] / ours['evaluation_seconds']), '']))
    return rows


def adam_gigabytes_per_second(config, ours):
    """The traffic our dense Adam steps imply over our fit seconds: each step reads parameter,
    gradient and two moments and writes parameter and two moments (7 float32 per element) of the
    embeddings and biases, (num_users + num_items) * (embedding_dim + 1) elements."""
    data, hyper = ours['data'], config['hyper']
    numel = (data['num_users'] + data['num_items']) * (hyper['embedding_dim'] + 1)
    steps = hyper['n_iter'] * math.ceil(data['train_interactions'] / hyper['batch_size'])
    return 7 * 4 * numel * steps / ours['fit_seconds'] / 1e9


def grid_table_row(config, best):
    """One row per grid cell: the ML-100K columns plus the optimizers and our dense Adam's GB/s."""
    cells = row_cells(config, best)
    cells.insert(1, config['optimizers'])
    dense = config.get('variant') == 'dense'
    cells.append('{:.1f}'.format(adam_gigabytes_per_second(config, best['ours'])) if dense else '')
    return markdown_row(cells)


GRID_TABLE_HEADER = ('| cell | optimizer ours / Spotlight | metric ours / Spotlight | fit s ours / Spotlight '
                     '| training interactions/s (sequences: non-padding steps/s) ours / Spotlight '
                     '| peak RSS ours / Spotlight | speed ratio ours/Spotlight '
                     '| ours dense Adam GB/s (7 * 4 B * numel per step / fit s) |\n'
                     '|---|---|---|---|---|---|---|---|')


def machine_lines(kernels):
    """Markdown lines naming the CPU and the kernels each side ran."""
    model, flags = 'unknown', ''
    with open('/proc/cpuinfo') as f:
        for line in f:
            key, _, value = line.partition(':')
            if key.strip() == 'model name' and model == 'unknown':
                model = value.strip()
            elif key.strip() == 'flags' and not flags:
                flags = value
    return ['- CPU: {} (avx512f: {})'.format(model, 'yes' if 'avx512f' in flags.split() else 'no'),
            '- ours: {}'.format(kernels),
            '- Spotlight: {}'.format('; '.join(sorted(SPOTLIGHT_KERNELS_SEEN)) or 'no run'),
            '']


TABLE_HEADER = ('| config | metric ours / Spotlight | fit s ours / Spotlight '
                '| training interactions/s (sequences: non-padding steps/s) ours / Spotlight '
                '| peak RSS ours / Spotlight | speed ratio ours/Spotlight '
                '| ours dense Adam GB/s (7 * 4 B * numel per step / fit s) |\n'
                '|---|---|---|---|---|---|---|')


# ---------------------------------------------------------------------------------------
# setup


def log(message):
    print(message, file=sys.stderr, flush=True)


def fail(message):
    sys.exit('compare-spotlight: ' + message)


def default_data_dir():
    """$DATA_DIR, else the folder the MovieLens loader's "variant": "100k" downloads to."""
    return os.environ.get('DATA_DIR', os.path.join(
        os.environ.get('SPOTLIGHT_DATA_DIR', os.path.expanduser('~/.cache/spotlight')), 'movielens', 'ml-100k'))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('data_dir', nargs='?',
                        help='MovieLens 100K folder holding u.data (default $DATA_DIR, else the '
                             'folder "variant": "100k" downloads to: $SPOTLIGHT_DATA_DIR/movielens/ml-100k); '
                             'not with --grid')
    parser.add_argument('--grid', action='store_true',
                        help='run the grid of cells on generated data (factorization catalogues x optimizer '
                             'variants, sequence representation x loss x batch x window) instead of ML-100K')
    parser.add_argument('--only', metavar='PATTERN',
                        help='run only configurations (grid cells) whose name matches this regular expression')
    parser.add_argument('--repeat', type=int, default=1,
                        help='runs per side; the fastest fit is reported, the metric is the first run\'s')
    parser.add_argument('--threads', type=int, default=1, help='compute threads on both sides')
    parser.add_argument('--model-seeds', default=str(SEED), metavar='S1,S2,...',
                        type=lambda text: [int(seed) for seed in text.split(',')],
                        help='model seeds to run on each side (the split keeps seed {}); the metric '
                             'column shows their mean and standard deviation'.format(SEED))
    parser.add_argument('--no-sequence-adaptive-hinge', action='store_true',
                        help='skip the sequence models (grid cells) with adaptive_hinge (the slowest part)')
    parser.add_argument('--list', action='store_true', help='list configuration (grid cell) names and exit')
    parser.add_argument('--python', default=os.environ.get('PYTHON', '/usr/bin/python3'),
                        help='interpreter with torch for Spotlight (default $PYTHON or /usr/bin/python3)')
    build = os.path.join(REPO, os.environ.get('BUILD_DIR', 'build'))
    parser.add_argument('--cli', default=os.environ.get('SPOTLIGHT_CLI', os.path.join(build, 'bin', 'spotlight')),
                        help='our spotlight binary (default $SPOTLIGHT_CLI or $BUILD_DIR/bin/spotlight)')
    return parser.parse_args()


def check_inputs(args):
    """Fail with one line when something the run needs is missing."""
    src = os.environ.get('SPOTLIGHT_SRC')
    if not src:
        fail('set SPOTLIGHT_SRC to a source tree of github.com/maciejkula/spotlight')
    if not os.path.isfile(os.path.join(src, 'spotlight', '__init__.py')):
        fail('SPOTLIGHT_SRC={} holds no spotlight/__init__.py'.format(src))
    if args.grid:
        if args.data_dir is not None:
            fail('--grid generates its data; DATA_DIR {} is for the MovieLens 100K mode'.format(args.data_dir))
    else:
        args.data_dir = os.path.abspath(args.data_dir or default_data_dir())
        if not os.path.isfile(os.path.join(args.data_dir, 'u.data')):
            fail('no MovieLens 100K u.data in {} (pass the folder or set DATA_DIR)'.format(args.data_dir))
    if not os.access(args.cli, os.X_OK):
        fail('our CLI {} is not built (scripts/build, or set SPOTLIGHT_CLI)'.format(args.cli))
    probe = subprocess.run([args.python, '-c', 'import torch, numpy, scipy'],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if probe.returncode != 0:
        fail('{} cannot import torch, numpy and scipy (set PYTHON)'.format(args.python))
    args.cli = os.path.abspath(args.cli)


def our_kernels(cli):
    """What our CLI's --version says it runs: 'vector loops avx512f, OpenBLAS kernels SkylakeX'."""
    version = subprocess.run([cli, '--version'], stdout=subprocess.PIPE, text=True, check=True).stdout
    lines = version.strip().splitlines()
    return lines[-1] if len(lines) > 1 else 'unknown'


def child_environment(threads, kernels):
    """Same thread limits for both sides (OpenBLAS would otherwise start one thread per core),
    and the same OpenBLAS kernels: our host replaces OpenBLAS's SSE3 fallback on a CPU newer
    than it knows, so Spotlight's PyTorch, on the same OpenBLAS, is given the set ours chose."""
    env = dict(os.environ)
    for name in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
        env[name] = str(threads)
    env['PYTHONDONTWRITEBYTECODE'] = '1'
    match = re.search(r'OpenBLAS kernels (\w+)', kernels)
    if match and 'OPENBLAS_CORETYPE' not in env:
        env['OPENBLAS_CORETYPE'] = match.group(1)
    return env


def main():
    if len(sys.argv) == 3 and sys.argv[1] == '--spotlight-child':
        spotlight_child(json.loads(sys.argv[2]))
        return
    args = parse_args()
    configs = (grid_configurations if args.grid else configurations)(not args.no_sequence_adaptive_hinge)
    if args.only:
        configs = [c for c in configs if re.search(args.only, c['name'])]
    if args.list:
        print('\n'.join(c['name'] for c in configs))
        return
    if not configs:
        fail('no configuration matches --only {}'.format(args.only))
    check_inputs(args)
    kernels = our_kernels(args.cli)
    env = child_environment(args.threads, kernels)
    log('ours: {}'.format(kernels))
    rows = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix='compare-spotlight-') as scratch:
        for config in configs:
            log('{} ({} thread(s), {} repeat(s), model seeds {})'.format(
                config['name'], args.threads, args.repeat, ','.join(map(str, args.model_seeds))))
            cell_started = time.perf_counter()
            data_dir = data_folder(config['data'], scratch) if args.grid else args.data_dir
            best = compare(dict(config, data_dir=data_dir), args, env, scratch)
            rows.extend([grid_table_row(config, best)] if args.grid else table_rows(config, best))
            log('  {:.0f} s'.format(time.perf_counter() - cell_started))
    log('total {:.0f} s'.format(time.perf_counter() - started))
    if args.grid:
        print('\n'.join(machine_lines(kernels)))
    print(GRID_TABLE_HEADER if args.grid else TABLE_HEADER)
    print('\n'.join(rows))


if __name__ == '__main__':
    main()
