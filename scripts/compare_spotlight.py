#!/usr/bin/env python3
"""Side-by-side speed and accuracy: our `spotlight` CLI against Spotlight on MovieLens 100K.

Runs each configuration once per side per repeat, interleaved (ours, Spotlight, ours,
Spotlight, ...) so that load from other processes on a shared machine hits both sides alike,
and prints one markdown table on stdout (progress goes to stderr).

Every run is its own child process, so peak RSS is that process's own (os.wait4) and
nothing leaks between runs. Spotlight is imported from SPOTLIGHT_SRC at run time by this same
file, started under PYTHON with `--spotlight-child CONFIG_JSON`; the driver itself needs only
the standard library. No Spotlight code is copied here.

Environment: SPOTLIGHT_SRC (required), DATA_DIR (MovieLens 100K folder holding u.data),
PYTHON (interpreter with torch, numpy, scipy; default /usr/bin/python3), SPOTLIGHT_CLI
(our binary; default build/bin/spotlight).
"""

import argparse
import json
import os
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

    The hyperparameters live in our experiment files; the Spotlight child is handed the same
    values explicitly (`hyper`), so a reader sees them here side by side.
    """
    factorization = dict(embedding_dim=32, batch_size=256, learning_rate=0.01, l2=0.0, n_iter=10)
    sequence = dict(embedding_dim=32, batch_size=32, learning_rate=0.01, l2=0.0, n_iter=10)
    configs = [dict(name='explicit-regression', task='explicit', loss='regression',
                    experiment='movielens_explicit_regression.json', metric='rmse',
                    hyper=factorization)]
    for loss in ('bpr', 'adaptive_hinge'):
        configs.append(dict(name='implicit-' + loss, task='implicit', loss=loss,
                            experiment='movielens_implicit_bpr.json', metric='mrr',
                            hyper=factorization))
    losses = ('bpr', 'adaptive_hinge') if sequence_adaptive_hinge else ('bpr',)
    for representation in SEQUENCE_REPRESENTATIONS:
        for loss in losses:
            configs.append(dict(name='sequence-{}-{}'.format(representation, loss), task='sequence',
                                loss=loss, representation=representation,
                                experiment='movielens_sequence_{}.json'.format(representation),
                                metric='sequence_mrr', hyper=sequence))
    return configs


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

    # Raw ids kept (num_users 944, num_items 1683), as our "ids": "raw" and the reference.
    raw = np.loadtxt(os.path.join(config['data_dir'], 'u.data'), dtype=np.int64, delimiter='\t')
    data = Interactions(raw[:, 0].astype(np.int32), raw[:, 1].astype(np.int32),
                        ratings=raw[:, 2].astype(np.float32), timestamps=raw[:, 3].astype(np.int32))

    # The split always uses SEED (the same interactions on both sides); the model's seed varies
    # with --model-seeds.
    torch.manual_seed(config['model_seed'])
    model_random = np.random.RandomState(config['model_seed'])
    hyper = dict(config['hyper'], loss=config['loss'], random_state=model_random)
    if config['task'] == 'sequence':
        import spotlight.sequence.implicit as module
        train, test = user_based_train_test_split(data, test_percentage=0.2,
                                                  random_state=np.random.RandomState(SEED))
        shape = dict(max_sequence_length=200, min_sequence_length=20, step_size=200)
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


def run_ours(config, args, env, scratch):
    """One run of our CLI; reads OUTPUT/metrics.json."""
    output = os.path.join(scratch, 'ours-' + config['name'])
    evaluation = '[{"plugin":"%s"}]' % config['metric']  # only the metric, so evaluation_seconds is its time
    argv = [args.cli, 'run', os.path.join(EXPERIMENTS, config['experiment']),
            '--set', 'dataset.variant=null', '--set', 'dataset.path=' + args.data_dir, '--set', 'threads={}'.format(args.threads),
            '--set', 'split.seed={}'.format(SEED), '--set', 'model.seed={}'.format(config['model_seed']),
            '--set', 'model.loss.plugin=' + config['loss'], '--set', 'evaluation=' + evaluation,
            '--output', output]
    _, rss = run_child(argv, env, output + '.log')
    with open(os.path.join(output, 'metrics.json')) as f:
        metrics = json.load(f)
    return {'metric': metrics['metrics'][config['metric']], 'fit_seconds': metrics['fit_seconds'],
            'rate': metrics['interactions_per_second'],
            'evaluation_seconds': metrics['evaluation_seconds'], 'rss_mib': rss}


def run_spotlight(config, args, env, scratch):
    """One run of Spotlight in a fresh interpreter (this file in child mode)."""
    payload = dict(config, threads=args.threads, data_dir=args.data_dir)
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


def table_rows(config, best):
    """One row per configuration; the BPR factorization adds the evaluation-time row."""
    ours, theirs = best['ours'], best['spotlight']
    label = {'rmse': 'RMSE', 'mrr': 'MRR', 'sequence_mrr': 'seq. MRR'}[config['metric']]
    unit = ' steps/s' if config['task'] == 'sequence' else ' int./s'
    rows = ['| {} | {} {} / {} | {:.2f} / {:.2f} | {} / {}{} | {:.0f} / {:.0f} MiB | {:.2f}x |'.format(
        config['name'], label, metric_cell(ours), metric_cell(theirs), ours['fit_seconds'],
        theirs['fit_seconds'], thousands(ours['rate']), thousands(theirs['rate']), unit,
        ours['rss_mib'], theirs['rss_mib'], theirs['fit_seconds'] / ours['fit_seconds'])]
    if config['name'] == 'implicit-bpr':
        rows.append('| implicit-bpr: full-ranking MRR evaluation (eval s) | MRR {} / {} | '
                    '{:.3f} / {:.3f} | | (same runs) | {:.2f}x |'.format(
                        metric_cell(ours), metric_cell(theirs), ours['evaluation_seconds'],
                        theirs['evaluation_seconds'],
                        theirs['evaluation_seconds'] / ours['evaluation_seconds']))
    return rows


TABLE_HEADER = ('| config | metric ours / Spotlight | fit s ours / Spotlight '
                '| training interactions/s (sequences: non-padding steps/s) ours / Spotlight '
                '| peak RSS ours / Spotlight | speed ratio ours/Spotlight |\n'
                '|---|---|---|---|---|---|')


# ---------------------------------------------------------------------------------------
# setup


def log(message):
    print(message, file=sys.stderr, flush=True)


def fail(message):
    sys.exit('compare-spotlight: ' + message)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('data_dir', nargs='?',
                        default=os.environ.get('DATA_DIR', os.path.join(
                            os.environ.get('SPOTLIGHT_DATA_DIR', os.path.expanduser('~/.cache/spotlight')),
                            'movielens', 'ml-100k')),
                        help='MovieLens 100K folder holding u.data (default $DATA_DIR, else the '
                             'folder "variant": "100k" downloads to: $SPOTLIGHT_DATA_DIR/movielens/ml-100k)')
    parser.add_argument('--only', metavar='PATTERN',
                        help='run only configurations whose name matches this regular expression')
    parser.add_argument('--repeat', type=int, default=1,
                        help='runs per side; the fastest fit is reported, the metric is the first run\'s')
    parser.add_argument('--threads', type=int, default=1, help='compute threads on both sides')
    parser.add_argument('--model-seeds', default=str(SEED), metavar='S1,S2,...',
                        type=lambda text: [int(seed) for seed in text.split(',')],
                        help='model seeds to run on each side (the split keeps seed {}); the metric '
                             'column shows their mean and standard deviation'.format(SEED))
    parser.add_argument('--no-sequence-adaptive-hinge', action='store_true',
                        help='skip the sequence models with adaptive_hinge (the slowest part)')
    parser.add_argument('--list', action='store_true', help='list configuration names and exit')
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
    if not os.path.isfile(os.path.join(args.data_dir, 'u.data')):
        fail('no MovieLens 100K u.data in {} (pass the folder or set DATA_DIR)'.format(args.data_dir))
    if not os.access(args.cli, os.X_OK):
        fail('our CLI {} is not built (scripts/build, or set SPOTLIGHT_CLI)'.format(args.cli))
    probe = subprocess.run([args.python, '-c', 'import torch, numpy, scipy'],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if probe.returncode != 0:
        fail('{} cannot import torch, numpy and scipy (set PYTHON)'.format(args.python))
    args.data_dir = os.path.abspath(args.data_dir)
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
    configs = configurations(not args.no_sequence_adaptive_hinge)
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
            rows.extend(table_rows(config, compare(config, args, env, scratch)))
    log('total {:.0f} s'.format(time.perf_counter() - started))
    print(TABLE_HEADER)
    print('\n'.join(rows))


if __name__ == '__main__':
    main()
