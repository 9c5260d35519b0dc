// sitegen search: the search page, the header's live results, the header's
// phone menu, and the searched words marked on the page a result leads to.
// Progressive enhancement only: without JavaScript the header box and the
// search page's form submit to /search/, and the phone menu is a link to the
// list of sections (shown by CSS when it is the target).
//
// The index is in shards, each a Pagefind bundle listed in shards.json. The
// shards of one year's articles (one, or the parts of a year cut in several)
// are searched by a Pagefind instance of their own (Pagefind's
// createInstance, the other parts merged into it), and every other shard by
// one of its own; the instances share one worker and its WebAssembly, and are
// made only when a search needs their shards. A search asks only the
// instances whose shards' manifest entries allow its filters of type, year
// and kind, merges their results into one list by score and sums their
// filter counts: a shard that cannot match the filters would add no result
// and no count, so the counts are those of the whole archive. Before any
// search, the filters show the counts of filters.json (the whole archive's,
// written by the build), and no shard is loaded. After a search, the filters
// of few values (type, year, kind) are counted over its results at once,
// mostly from the manifest without loading a file; those of thousands
// (entity, tag, source), whose files are most of a shard's, are counted only
// once the reader opens them (or ticks one of their values), and are shown
// with no count until then (see Engine.ask). The search page asks a few
// shards first (the site's entities and terms, then the newest years) and
// shows their best results at once, then adds the other shards' below them.
// Merged results are ordered by score, and a sorted search's scores are only
// ranks within one shard, so the date sort searches one year at a time (see
// dateCursor).
(function () {
  "use strict";

  var TYPE_LABELS = { article: "Article", entity: "Entity", term: "Term" };
  var FILTER_LABELS = { type: "Type", year: "Year", kind: "Kind", entity: "Entity", tag: "Tag", source: "Source" };
  var FILTER_ORDER = ["type", "year", "kind", "entity", "tag", "source"];
  // The filters counted with every search. Any other is counted only when the
  // reader opens it or ticks one of its values.
  var COUNTED_ALWAYS = ["type", "year", "kind"];
  // Which pages have exactly one value of a filter the manifest lists: every
  // page one type (null: every page), every article one year, every entity one kind.
  var ONE_PER_PAGE = { type: null, year: "article", kind: "entity" };
  var PAGE_SIZE = 20;
  var UNLOADED_NOTE = "Some of these counts could not be loaded: reload the page to try again.";
  var HEADER_RESULTS = 5;
  var FIRST_YEARS = 2; // the newest years' shards asked first (with the site's), whose results show before the others'
  var EARLY_SHARDS = 12; // a search of this many shards or more shows the first shards' results first
  var ASKED_AT_ONCE = 4; // instances searched at the same time: a search given up stops within this many
  var engines = {};

  // --- the engine: a Pagefind instance per year's shards, asked when they can match ---

  // Every shard's bundle holds the same WebAssembly (one Pagefind run of one
  // build made them all), and each instance fetches it from its own folder:
  // 70 kB each, 2 MB for the 30 instances of a search of 100,000 articles.
  // So Pagefind's worker (which all the instances share, and which does
  // their fetching) is started with a fetch that takes each file of
  // WebAssembly once, by name, and hands every instance a copy. Where a worker
  // cannot start, Pagefind works in the page, whose fetch does the same.
  function shareWebAssembly() {
    fetchWebAssemblyOnce(window, document.baseURI);
    var Original = window.Worker;
    if (!Original || Original.sharesWebAssembly || !window.Blob || !URL.createObjectURL) return;
    var Sharing = function (url, options) {
      var address = new URL(String(url), document.baseURI).href;
      if (!/\/pagefind-worker\.js(?:[?#].*)?$/.test(address) || (options && options.type === "module")) return new Original(url, options);
      var source = "(" + fetchWebAssemblyOnce.toString() + ")(self, " + JSON.stringify(address) + ");\nimportScripts(" + JSON.stringify(address) + ");\n";
      try {
        return new Original(URL.createObjectURL(new Blob([source], { type: "text/javascript" })), options);
      } catch (error) {
        return new Original(url, options); // a page that forbids workers from blobs
      }
    };
    Sharing.prototype = Original.prototype;
    Sharing.sharesWebAssembly = true;
    window.Worker = Sharing;
  }

  // Runs in the worker too (as source text): no name from outside it. `base`
  // resolves relative addresses, as a worker made from a blob has none of its own.
  function fetchWebAssemblyOnce(scope, base) {
    if (scope.fetch.takesWebAssemblyOnce) return;
    var fetchFile = scope.fetch.bind(scope);
    var taken = {};
    var once = function (resource, init) {
      if (typeof resource === "string") resource = new URL(resource, base).href;
      var name = /\/(wasm\.[^\/?#]+\.pagefind)(?:[?#].*)?$/.exec(typeof resource === "string" ? resource : resource && resource.url);
      if (!name) return fetchFile(resource, init);
      if (!taken[name[1]]) {
        taken[name[1]] = fetchFile(resource, init).then(function (response) {
          if (!response.ok) delete taken[name[1]];
          return response;
        }, function (error) {
          delete taken[name[1]];
          throw error;
        });
      }
      return taken[name[1]].then(function (response) { return response.clone(); });
    };
    once.takesWebAssemblyOnce = true;
    scope.fetch = once;
  }

  function engine(bundlePath, baseUrl) {
    if (!engines[bundlePath]) engines[bundlePath] = new Engine(bundlePath, baseUrl);
    return engines[bundlePath];
  }

  function fetchText(url) {
    return fetch(url)
      .then(function (response) { return response.ok ? response.text() : ""; })
      .catch(function () { return ""; });
  }

  function parsed(text) {
    try { return JSON.parse(text || "{}") || {}; } catch (error) { return {}; }
  }

  function ignore() {}

  // Filter counts ({filter: {value: count}}) added up, in the order met.
  function summed(countsList) {
    var total = {};
    countsList.forEach(function (counts) {
      Object.keys(counts || {}).forEach(function (name) {
        total[name] = total[name] || {};
        Object.keys(counts[name]).forEach(function (value) {
          total[name][value] = (total[name][value] || 0) + counts[name][value];
        });
      });
    });
    return total;
  }

  function Engine(bundlePath, baseUrl) {
    this.bundlePath = bundlePath;
    this.baseUrl = baseUrl;
    this.manifestText = null;
    this.reading = null;
    this.totalsRead = null; // filters.json, read when first needed
    this.module = null; // Pagefind's pagefind.js, imported once
    this.reset();
  }

  // Forget every shard loaded (their instances are destroyed by the caller):
  // the next search loads what it needs again.
  Engine.prototype.reset = function () {
    this.instances = {}; // each group's instance, a promise resolved once it can search, by the group's name
    this.first = null; // the first instance made: the others wait for it, as they use the WebAssembly it loads
    this.build = (this.build || 0) + 1; // which build's shards are loaded: a search started over another is discarded
  };

  // The manifest, read once: its shards, in the order a search asks them
  // (the site's first, then the articles newest first), and the years whose
  // articles are cut into several shards. (Not filters.json: only the search
  // page before a search needs it.)
  Engine.prototype.read = function () {
    var self = this;
    if (!this.reading) {
      this.reading = fetchText(this.bundlePath + "shards.json").then(function (text) { self.use(text); });
    }
    return this.reading;
  };

  Engine.prototype.use = function (text) {
    var self = this;
    this.manifestText = text;
    var shards = (parsed(text).shards || []).map(function (shard) {
      var name = String(shard.name || "");
      var year = (/^articles-(\d+)/.exec(name) || [])[1] || null;
      return {
        name: name, url: self.bundlePath + shard.bundle, filters: shard.filters || null, year: year, group: year ? "articles-" + year : name,
        filterNames: Array.isArray(shard.filter_names) ? shard.filter_names : null,
      };
    });
    if (shards.length === 0) shards = [{ name: "all", url: this.bundlePath, filters: null, year: null, group: "all" }];
    var site = shards.filter(function (shard) { return !/^articles-/.test(shard.name); });
    var articles = shards.filter(function (shard) { return /^articles-/.test(shard.name); }).reverse();
    this.shards = site.concat(articles);
    var splitYears = new Set();
    shards.forEach(function (shard) {
      var part = /^articles-(\d+)-\d+$/.exec(shard.name);
      if (part) splitYears.add(part[1]);
    });
    this.splitYears = splitYears;
  };

  // The shards a search with these filters can find anything in: a shard
  // whose manifest entry lists a filter's values must hold one of the values
  // asked for (`any`) and one not excluded (`none`); a filter it does not
  // list may hold anything.
  Engine.prototype.shardsFor = function (filters) {
    return this.shards.filter(function (shard) {
      return Object.keys(filters).every(function (name) {
        var held = shard.filters && shard.filters[name];
        if (!Array.isArray(held)) return true;
        var any = filters[name].any, none = filters[name].none;
        if (any && !any.some(function (value) { return held.indexOf(value) !== -1; })) return false;
        return !none || held.some(function (value) { return none.indexOf(value) === -1; });
      });
    });
  };

  // The values of the filters counted with every search, as the manifest
  // lists them ({filter: {value: 0}}): shown while a search is counted.
  Engine.prototype.listedValues = function () {
    var values = {};
    COUNTED_ALWAYS.forEach(function (name) { values[name] = {}; });
    this.shards.forEach(function (shard) {
      COUNTED_ALWAYS.forEach(function (name) {
        var held = shard.filters && shard.filters[name];
        if (Array.isArray(held)) held.forEach(function (value) { values[name][value] = 0; });
      });
    });
    return values;
  };

  // Whole-archive filter counts: filters.json, or (an index without it) every shard's filters.
  Engine.prototype.totals = async function () {
    var self = this;
    await this.read();
    if (!this.totalsRead) {
      this.totalsRead = fetchText(this.bundlePath + "filters.json").then(function (text) { return parsed(text).filters || null; });
    }
    var totals = await this.totalsRead;
    if (totals) return totals;
    var shards = await this.load(this.shards);
    return summed(await Promise.all(groups(shards).map(async function (group) {
      return (await self.instance(group)).filters();
    })));
  };

  // The shards in groups searched by one instance: [[shard, …], …], in the order of their first shard.
  function groups(shards) {
    var byName = {};
    var found = [];
    shards.forEach(function (shard) {
      if (!byName[shard.group]) found.push((byName[shard.group] = []));
      byName[shard.group].push(shard);
    });
    return found;
  }

  // Every shard of the groups of `shards`: a group is searched whole.
  Engine.prototype.whole = function (shards) {
    var wanted = new Set(shards.map(function (shard) { return shard.group; }));
    return this.shards.filter(function (shard) { return wanted.has(shard.group); });
  };

  // The Pagefind instance of a group of shards, made on first use: a promise
  // resolved once it has their entry files and metadata and can search.
  // Instances share one worker and its WebAssembly, which the first one
  // loads: the others are made once it is ready, so that two never load it
  // at the same time.
  Engine.prototype.instance = function (group) {
    var self = this;
    var name = group[0].group;
    if (!this.instances[name]) {
      if (!this.module) {
        shareWebAssembly();
        this.module = import(group[0].url + "pagefind.js");
      }
      var before = this.first;
      var made = (async function () {
        var module = await self.module;
        if (before) await before.catch(ignore);
        var pagefind = module.createInstance({ basePath: group[0].url, baseUrl: self.baseUrl });
        await Promise.all(group.slice(1).map(function (shard) { return pagefind.mergeIndex(shard.url, { baseUrl: self.baseUrl }); }));
        await pagefind.search(""); // answers once the instance is ready
        return pagefind;
      })();
      if (!this.first) this.first = made;
      this.instances[name] = made;
    }
    return this.instances[name];
  };

  // Make the instances of the shards `wanted` (those not made yet) and return
  // the shards. The manifest names every shard with the digest of its
  // contents, so it changes whenever a shard is replaced (by a rebuild
  // swapped in while the shards load, as the search refresh of `sitegen
  // serve` does): read again once new instances are ready, the same manifest
  // means none of them is of another build; another means starting again
  // with it, so a search never mixes old and new shards.
  Engine.prototype.load = async function (wanted) {
    var self = this;
    for (var attempt = 1; ; attempt += 1) {
      wanted = this.whole(wanted);
      var fresh = wanted.some(function (shard) { return !self.instances[shard.group]; });
      await Promise.all(groups(wanted).map(function (group) { return self.instance(group); }));
      if (!fresh) return wanted;
      var again = await fetchText(this.bundlePath + "shards.json");
      if (again === this.manifestText || attempt === 3) return wanted;
      var old = this.instances;
      this.reset();
      await Promise.all(Object.keys(old).map(function (name) {
        return old[name].then(function (pagefind) { return pagefind.destroy(); }).catch(ignore);
      }));
      this.use(again);
      this.totalsRead = null;
      var names = new Set(wanted.map(function (shard) { return shard.name; }));
      wanted = this.shards.filter(function (shard) { return names.has(shard.name); });
    }
  };

  // What the manifest says of every page of a group's shards, for the
  // filters it lists: {filter: [value]} when every page has that one value,
  // {filter: []} when no page has any; a filter left out is known only from
  // its file. (A shard of a year's articles: one type, one year, no kind.)
  function groupFacts(group) {
    var facts = {};
    Object.keys(ONE_PER_PAGE).forEach(function (name) {
      var found = null;
      var known = group.every(function (shard) {
        var fact = shardFact(shard, name);
        if (fact === null || (found !== null && (found.length !== fact.length || found[0] !== fact[0]))) return false;
        found = fact;
        return true;
      });
      if (known && found !== null) facts[name] = found;
    });
    return facts;
  }

  function shardFact(shard, name) {
    var held = shard.filters && shard.filters[name];
    if (!Array.isArray(held) || held.length > 1) return null;
    if (held.length === 0) return [];
    var types = shard.filters.type;
    var holder = ONE_PER_PAGE[name];
    if (holder !== null && !(Array.isArray(types) && types.length === 1 && types[0] === holder)) return null;
    return [held[0]];
  }

  // Whether a page with the value `value` passes `filter` ({any: […]}, {none: […]}).
  function passes(value, filter) {
    return Object.keys(filter).every(function (key) {
      if (key === "any") return filter.any.indexOf(value) !== -1;
      if (key === "none") return filter.none.indexOf(value) === -1;
      return false;
    });
  }

  // One group's answer: {results, counts}, the counts over its results of the
  // filters named in `counted`; null if `live()` turns false before the
  // search. Pagefind counts the filters whose files it has loaded, and loads
  // those a search names: a filter the manifest settles for every page of the
  // group (groupFacts) is not sent, and its count is the number of results; a
  // filter counted and not asked for is sent as excluding nothing (`none:
  // []`), which loads its files and filters nothing. No other filter's file
  // is loaded, and the counts of a filter loaded by an earlier search are not
  // taken (they would be of this group only).
  Engine.prototype.ask = async function (group, term, options, counted, live) {
    var pagefind = await this.instance(group);
    if (!live()) return null;
    var facts = groupFacts(group);
    var asked = options.filters || {};
    var filters = {};
    Object.keys(asked).forEach(function (name) {
      var fact = facts[name];
      if (!(fact && fact.length === 1 && passes(fact[0], asked[name]))) filters[name] = asked[name];
    });
    counted.forEach(function (name) {
      if (!facts[name] && !filters[name]) filters[name] = { none: [] };
    });
    var answer = await pagefind.search(term, Object.assign({}, options, { filters: filters }));
    var counts = {};
    var unloaded = [];
    counted.forEach(function (name) {
      var found = {};
      // Loaded, a filter is in the answer (every value, 0 for those no result
      // has); one the group's pages have and the answer lacks is a file
      // Pagefind could not load (it logs that and goes on without it).
      if (!facts[name] && !(answer.filters && name in answer.filters) && group.some(function (shard) {
        return shard.filterNames && shard.filterNames.indexOf(name) !== -1;
      })) unloaded.push(name);
      if (facts[name]) {
        facts[name].forEach(function (value) { found[value] = answer.results.length; });
      } else {
        Object.keys((answer.filters || {})[name] || {}).forEach(function (value) { found[value] = answer.filters[name][value]; });
      }
      counts[name] = found;
    });
    return { results: answer.results, counts: counts, unloaded: unloaded };
  };

  // One search over `shards` (and the other shards of their groups), the
  // instances of ASKED_AT_ONCE groups at a time, each asked only while
  // `wanted()` (a newer search makes the page give this one up): {results,
  // counts}, the results of every shard in one list by score (a tie in the
  // order of the shards) and the counts of the filters `counted` summed
  // ({} for each that no result has); null when given up or when the index
  // was replaced meanwhile.
  Engine.prototype.searchShards = async function (shards, term, options, counted, wanted) {
    var self = this;
    var build = this.build;
    var answers = [];
    var next = 0;
    var asked = groups(this.whole(shards));
    function live() { return self.build === build && (!wanted || wanted()); }
    async function asker() {
      while (next < asked.length && live()) {
        var at = next;
        next += 1;
        answers[at] = await self.ask(asked[at], term, options, counted, live);
      }
    }
    var askers = [];
    for (var i = 0; i < Math.min(ASKED_AT_ONCE, asked.length); i += 1) askers.push(asker());
    try {
      await Promise.all(askers);
    } catch (error) {
      if (self.build !== build) return null; // a replaced build's instance, destroyed while it searched
      throw error;
    }
    if (!live()) return null;
    var results = [];
    answers.forEach(function (answer) { results = results.concat(answer.results); });
    results.sort(function (a, b) { return b.score - a.score; });
    var counts = summed(answers.map(function (answer) { return answer.counts; }));
    counted.forEach(function (name) { counts[name] = counts[name] || {}; });
    var unloaded = counted.filter(function (name) {
      return answers.some(function (answer) { return answer.unloaded.indexOf(name) !== -1; });
    });
    return { results: results, counts: counts, unloaded: unloaded };
  };

  // The first shards a search needs (the site's, with its entities and
  // terms, and those of the FIRST_YEARS newest years), whose results show
  // before the others load; null when the search needs fewer than
  // EARLY_SHARDS shards or they are loaded.
  function firstShards(index, filters) {
    var shards = index.shardsFor(filters);
    if (shards.length < EARLY_SHARDS || shards.every(function (shard) { return index.instances[shard.group]; })) return null;
    var years = [];
    return shards.filter(function (shard) {
      if (!shard.year) return true;
      if (years.indexOf(shard.year) === -1 && years.length < FIRST_YEARS) years.push(shard.year);
      return years.indexOf(shard.year) !== -1;
    });
  }

  // The results of the shards `first`; null if given up or the index was replaced meanwhile.
  async function firstResults(index, term, filters, first, wanted) {
    var shards = await index.load(first);
    var answer = await index.searchShards(shards, term, { filters: filters }, [], wanted);
    return answer && answer.results;
  }

  // One search over every shard a search needs, with the counts of the
  // filters `counted` (none in the header's box): {total, counts, cursor}, or
  // null when given up (`wanted()` false); cursor.next(n) loads the next n
  // results' data, in order. The results in `shown` (of an earlier search of
  // the first shards, in their order) stay first, the others follow in order
  // of score.
  async function searchAll(index, term, filters, sort, shown, counted, wanted) {
    await index.read();
    var answer = null;
    for (var attempt = 1; !answer && attempt <= 3; attempt += 1) {
      if (wanted && !wanted()) return null;
      var shards = await index.load(index.shardsFor(filters));
      answer = await index.searchShards(shards, term, { filters: filters }, counted, wanted);
    }
    if (!answer) return null;
    var results = answer.results;
    if (shown && shown.length) {
      var ids = new Set(shown.map(function (result) { return result.id; }));
      results = shown.concat(results.filter(function (result) { return !ids.has(result.id); }));
    }
    var cursor = sort === "date" ? dateCursor(index, term, filters, answer.counts) : listCursor(results);
    return { total: answer.results.length, counts: answer.counts, unloaded: answer.unloaded, cursor: cursor };
  }

  function listCursor(results) {
    var at = 0;
    function each(count) {
      var slice = results.slice(at, at + count);
      at += slice.length;
      return slice.map(function (result) { return result.data ? result.data() : result; });
    }
    return {
      skip: function (count) { at += count; },
      each: each, // the next results' data, each a promise of its own
      next: function (count) { return Promise.all(each(count)); },
    };
  }

  function newestFirst(a, b) {
    var first = (a.meta && a.meta.sort_date) || "";
    var second = (b.meta && b.meta.sort_date) || "";
    return first < second ? 1 : first > second ? -1 : 0;
  }

  function withFilter(filters, name, value) {
    var copy = Object.assign({}, filters);
    if (value === null) delete copy[name];
    else copy[name] = value;
    return copy;
  }

  // Newest first, loading only what is shown: the articles year by year,
  // newest year first, each year in Pagefind's date order (a year in one
  // shard comes back in order; the results of a year cut into several shards
  // are loaded and sorted here, as their ranks are each within its shard), then
  // the pages without a date (entities, terms) in order of relevance.
  function dateCursor(index, term, filters, counts) {
    var chosen = filters.year ? filters.year.any : Object.keys(counts.year || {}).filter(function (year) { return counts.year[year] > 0; });
    var batches = chosen.slice().sort().reverse().map(function (year) { return { year: year }; });
    var types = filters.type ? filters.type.any.filter(function (type) { return type !== "article"; }) : null;
    if (!types || types.length) batches.push({ undated: withFilter(filters, "type", types ? { any: types } : { none: ["article"] }) });
    var at = 0;
    var waiting = listCursor([]);
    // The results of a search over the shards that can match it (none if the index was replaced meanwhile).
    async function found(options) {
      var answer = await index.searchShards(index.shardsFor(options.filters), term, options, []);
      return answer ? answer.results : [];
    }
    async function nextBatch() {
      var batch = batches[at];
      at += 1;
      if (!batch.year) return listCursor(await found({ filters: batch.undated }));
      var results = await found({ filters: withFilter(filters, "year", { any: [batch.year] }), sort: { date: "desc" } });
      if (!index.splitYears.has(batch.year)) return listCursor(results);
      var year = await Promise.all(results.map(function (result) { return result.data(); }));
      return listCursor(year.sort(newestFirst));
    }
    return {
      next: async function (count) {
        var found = await waiting.next(count);
        while (found.length < count && at < batches.length) {
          waiting = await nextBatch();
          found = found.concat(await waiting.next(count - found.length));
        }
        return found;
      },
    };
  }

  // --- shared markup -------------------------------------------------------

  function element(name, className, text) {
    var node = document.createElement(name);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Pagefind's excerpt is HTML with <mark> around the matches: keep the text
  // and the marks only, so nothing else from the index reaches the page.
  function excerptNodes(html) {
    var parsed = new DOMParser().parseFromString(html || "", "text/html");
    return Array.prototype.map.call(parsed.body.childNodes, function (node) {
      if (node.nodeName === "MARK") return element("mark", "", node.textContent);
      return document.createTextNode(node.textContent);
    });
  }

  function withHighlight(url, term) {
    var hash = url.indexOf("#");
    var path = hash === -1 ? url : url.slice(0, hash);
    var fragment = hash === -1 ? "" : url.slice(hash);
    return path + (path.indexOf("?") === -1 ? "?" : "&") + "highlight=" + encodeURIComponent(term) + fragment;
  }

  // A filter value is indexed escaped once (see pagefind_filter in render.py: Pagefind
  // matches a filter only on values without quotes or backslashes), and is queried as
  // indexed: it is shown as written, as text.
  // A value named like an object's own property (a tag "toString") is no box ticked.
  function isSelected(selected, name, value) {
    return Object.prototype.hasOwnProperty.call(selected, name) && Object.prototype.hasOwnProperty.call(selected[name], value) && selected[name][value] === true;
  }

  function shownValue(value) {
    return String(value).replace(/&(lt|gt|quot|#x27|amp);/g, function (_, name) {
      return { lt: "<", gt: ">", quot: '"', "#x27": "'", amp: "&" }[name];
    });
  }

  function typeLabel(data) {
    var type = (data.filters && data.filters.type && data.filters.type[0]) || "";
    var label = TYPE_LABELS[type] || type;
    var kind = data.filters && data.filters.kind && data.filters.kind[0];
    return kind ? label + " · " + shownValue(kind) : label;
  }

  function resultItem(data, term, compact) {
    var item = element("li", compact ? "site-search-result" : "search-result");
    var type = (data.filters && data.filters.type && data.filters.type[0]) || "page";
    item.setAttribute("data-type", type);
    var label = element("span", "search-result-type", typeLabel(data));
    var link = element("a", compact ? "site-search-result-link" : "search-result-link", (data.meta && data.meta.title) || data.url);
    link.href = term ? withHighlight(data.url, term) : data.url;
    var title = element(compact ? "span" : "h2", "search-result-title");
    title.append(link);
    item.append(label, title);
    if (data.meta && data.meta.date) {
      var date = element("time", "search-result-date", data.meta.date);
      if (data.meta.sort_date) date.setAttribute("datetime", data.meta.sort_date);
      item.append(date);
    }
    if (compact) return item;
    if (data.meta && data.meta.summary) item.append(element("p", "search-result-summary", data.meta.summary));
    // A glossary term's record is its name, aliases and definition, and its
    // summary is the definition: an excerpt would show the definition twice.
    if (data.excerpt && type !== "term") {
      var excerpt = element("p", "search-result-excerpt");
      excerpt.append.apply(excerpt, excerptNodes(data.excerpt));
      item.append(excerpt);
    }
    return item;
  }

  function plural(count, word) {
    return count + " " + word + (count === 1 ? "" : "s");
  }

  // --- the search page -----------------------------------------------------

  function setUpSearchPage() {
    var root = document.getElementById("search");
    if (!root) return;
    var form = root.querySelector("form");
    var input = root.querySelector("input[type=search]");
    var params = new URLSearchParams(window.location.search);
    input.value = params.get("q") || "";

    var controls = element("div", "search-controls");
    var sortLabel = element("label", "search-sort");
    sortLabel.append("Sort by ");
    var sortSelect = element("select");
    sortSelect.id = "search_sort";
    [["relevance", "relevance"], ["date", "date, newest first"]].forEach(function (choice) {
      var option = element("option", "", choice[1]);
      option.value = choice[0];
      sortSelect.append(option);
    });
    sortSelect.value = params.get("sort") === "date" ? "date" : "relevance";
    sortLabel.append(sortSelect);
    var status = element("p", "search-status");
    status.id = "search_status";
    status.setAttribute("role", "status");
    controls.append(status, sortLabel);

    var filtersBox = element("details", "search-filters");
    filtersBox.open = window.matchMedia("(min-width: 60rem)").matches;
    var filtersSummary = element("summary", "", "Filters");
    var filterGroups = element("div", "search-filter-groups");
    filtersBox.append(filtersSummary, filterGroups);
    var list = element("ol", "search-results");
    list.setAttribute("aria-labelledby", "search_status");
    var more = element("button", "search-more", "Show more results");
    more.type = "button";
    more.hidden = true;
    root.append(controls, filtersBox, list, more);
    root.classList.add("search-ready");

    var selected = {};
    var opened = {}; // the filters counted on demand that the reader has open, by name
    var entityQuery = "";
    var generation = 0;
    var cursor = null;
    var shownCount = 0;
    var totalFound = 0;
    var term = "";
    var searched = null; // the search whose counts are shown ({term, filters}); null before a search and while one runs
    var shownCounts = {}; // the counts shown: of `searched`, or of the whole archive
    var countsSeen = {}; // the counts of the searches made here, by searchKey, for alternativeCounts
    var unloaded = {}; // the filters counted on demand whose last count missed a file that failed to load
    var countingFor = 0; // the search (generation) whose filters opened since are being counted

    function activeFilters() {
      var filters = {};
      Object.keys(selected).forEach(function (name) {
        var values = Object.keys(selected[name]).filter(function (value) { return selected[name][value]; });
        if (values.length) filters[name] = { any: values };
      });
      return filters;
    }

    // The key of a search (its term and the values ticked) among countsSeen.
    function searchKey(term, filters) {
      return JSON.stringify([term || "", Object.keys(filters).sort().map(function (name) {
        return [name, filters[name].any.slice().sort()];
      })]);
    }

    function remember(term, filters, counts) {
      var key = searchKey(term, filters);
      countsSeen[key] = Object.assign(countsSeen[key] || {}, counts);
    }

    // The values of one filter are alternatives (a result passes with any of
    // those ticked), so a filter with values ticked is counted over the search
    // without it, every other filter kept: its other values stay offered, each
    // with the results it would add. The counts of a search already made on
    // this page are taken again (ticking a first value asks nothing more);
    // any other takes one more search, over the shards this search asks. A
    // year or type ticked spares the search the other years' shards: counting
    // its other values would need them, so unless a search made here counted
    // them, such a filter shows the values ticked only. Sets them in
    // `counts`; false if given up.
    async function alternativeCounts(index, term, filters, counts, wanted, missing) {
      var names = Object.keys(filters);
      var asked = index.whole(index.shardsFor(filters)).length;
      for (var i = 0; i < names.length; i += 1) {
        var name = names[i];
        var others = withFilter(filters, name, null);
        var known = countsSeen[searchKey(term, others)];
        if (!(known && known[name])) {
          if (index.whole(index.shardsFor(others)).length > asked) continue;
          var found;
          if (!term && !Object.keys(others).length) {
            found = (await index.totals()) || {};
          } else {
            var answer = await index.searchShards(await index.load(index.shardsFor(others)), term, { filters: others }, [name], wanted);
            if (!answer) return false;
            found = answer.counts;
            if (answer.unloaded.length) {
              missing.push(name);
              counts[name] = found[name];
              continue;
            }
          }
          remember(term, others, found);
          known = countsSeen[searchKey(term, others)];
        }
        if (wanted && !wanted()) return false;
        counts[name] = known[name] || {};
      }
      return true;
    }

    // Of the filters `names` just counted, those counted on demand that are
    // `missing` a file say so.
    function noteUnloaded(names, missing) {
      names.forEach(function (name) {
        if (COUNTED_ALWAYS.indexOf(name) !== -1) return;
        if (missing.indexOf(name) !== -1) unloaded[name] = true;
        else delete unloaded[name];
      });
    }

    // The filters counted with a search: those counted always, those the reader
    // has open, and those with a value ticked (whose files the search loads anyway).
    function countedNames(filters) {
      var names = FILTER_ORDER.concat(Object.keys(opened), Object.keys(filters));
      return names.filter(function (name, at) {
        return names.indexOf(name) === at && (COUNTED_ALWAYS.indexOf(name) !== -1 || opened[name] || filters[name]);
      });
    }

    // The filters with their counts ({filter: {value: count}}); `pending`:
    // the values only, their counts for this search still to come (while the
    // first results show); `whole`: the counts are the whole archive's, of
    // every filter. A filter counted always is a group of check boxes (shown
    // once it has a value); any other is a disclosure of its own, closed
    // until the reader opens it, that holds its values once counted.
    function renderFilters(counts, pending, whole) {
      var focused = document.activeElement && filterGroups.contains(document.activeElement) ? document.activeElement : null;
      filterGroups.replaceChildren();
      var filters = activeFilters();
      var ticked = Object.keys(filters).reduce(function (sum, name) { return sum + filters[name].any.length; }, 0);
      filtersSummary.replaceChildren.apply(filtersSummary, ["Filters"].concat(tickedNote(ticked)));
      // A search that found nothing has nothing to count: no filter is offered
      // but those with a value ticked, to be unticked (no panel if none is).
      var nothing = !pending && !whole && searched !== null && totalFound === 0;
      filtersBox.hidden = nothing && !ticked;
      FILTER_ORDER.concat(Object.keys(counts).filter(function (name) { return FILTER_ORDER.indexOf(name) === -1; }).sort())
        .forEach(function (name) {
          var always = COUNTED_ALWAYS.indexOf(name) !== -1;
          var known = counts[name]; // undefined: not counted for this search
          var values = Object.keys(known || {}).filter(function (value) {
            return pending || known[value] > 0 || isSelected(selected, name, value);
          });
          if (!values.length && (always || whole || (nothing && !filters[name]))) return;
          values.sort(function (a, b) {
            if (name === "year") return a < b ? 1 : a > b ? -1 : 0;
            return known[b] - known[a] || a.localeCompare(b);
          });
          var label = FILTER_LABELS[name] || name;
          var group, set;
          if (always) {
            group = set = element("fieldset", "search-filter-group");
            group.append(element("legend", "search-filter-label", label));
          } else {
            var note = !known ? "Counting…" : unloaded[name] ? UNLOADED_NOTE : values.length ? null : "None in these results.";
            group = onDemand(name, label, note);
            set = element("fieldset", "search-filter-set");
            set.append(element("legend", "visually-hidden", label));
            if (values.length) group.append(set);
          }
          group.setAttribute("data-filter", name);
          if (name === "entity" && values.length) set.append(entityFinder());
          var options = element("ul", "search-filter-values");
          values.forEach(function (value, index) {
            var item = element("li", "search-filter-value");
            var label = element("label");
            var box = element("input", "search-filter-checkbox");
            box.type = "checkbox";
            box.name = name;
            box.value = value;
            box.id = "search_filter_" + name + "_" + index;
            box.checked = isSelected(selected, name, value);
            label.append(box, " ", element("span", "search-filter-name", name === "type" ? TYPE_LABELS[value] || value : shownValue(value)), " ", element("span", "search-filter-count", pending ? "…" : String(known[value] || 0)));
            item.append(label);
            options.append(item);
          });
          if (values.length) set.append(options);
          if (name === "entity" && values.length) set.append(noEntityFound());
          filterGroups.append(group);
        });
      narrowEntities();
      var again = focused && refound(focused);
      if (again) again.focus();
      else if (focused) (filtersBox.hidden ? input : filtersSummary).focus(); // not lost to the page's start
    }

    // The element of the filters just rendered that stands for `old`, one of
    // those they replaced: a check box by its filter and value (its id is its
    // place in the list, which the new counts may change), anything else by id.
    function refound(old) {
      if (!old.classList.contains("search-filter-checkbox")) return old.id ? document.getElementById(old.id) : null;
      var boxes = filterGroups.querySelectorAll(".search-filter-checkbox");
      for (var i = 0; i < boxes.length; i += 1) {
        if (boxes[i].name === old.name && boxes[i].value === old.value) return boxes[i];
      }
      return null;
    }

    // What a disclosure's name says of the values ticked in it (`ticked`, a
    // number), which narrow the results when it is closed too.
    function tickedNote(ticked) {
      return ticked ? [" ", element("span", "search-filter-ticked", "(" + ticked + " selected)")] : [];
    }

    // A filter counted on demand: a disclosure, open as the reader left it,
    // whose opening counts it over the search shown; `note`, if any, says why
    // it holds no value.
    function onDemand(name, label, note) {
      var group = element("details", "search-filter-group search-filter-more");
      var summary = element("summary", "search-filter-label", label);
      summary.id = "search_filter_" + name + "_open";
      var filter = activeFilters()[name];
      summary.append.apply(summary, tickedNote(filter ? filter.any.length : 0));
      group.append(summary);
      if (note) group.append(element("p", "search-filter-note", note));
      group.open = !!opened[name];
      group.addEventListener("toggle", function () {
        if (group.open === !!opened[name]) return; // as rendered
        if (group.open) opened[name] = true;
        else delete opened[name];
        if (group.open) countOpened();
      });
      return group;
    }

    // Count the filters the reader has opened since the search shown was
    // counted, over that search (its results stay as they are).
    async function countOpened() {
      if (!searched || countingFor === generation) return;
      var names = Object.keys(opened).filter(function (name) { return !shownCounts[name]; });
      if (!names.length) return;
      var mine = generation;
      var search = searched;
      countingFor = mine;
      root.setAttribute("data-state", "counting");
      var index = engine(root.getAttribute("data-bundle-path"), root.getAttribute("data-base-url"));
      var answer = null;
      try {
        answer = await index.searchShards(index.shardsFor(search.filters), search.term, { filters: search.filters }, names, function () { return mine === generation; });
      } finally {
        if (countingFor === mine) countingFor = 0;
      }
      if (!answer || mine !== generation) return;
      noteUnloaded(names, answer.unloaded);
      if (!answer.unloaded.length) remember(search.term, search.filters, answer.counts);
      names.forEach(function (name) { shownCounts[name] = answer.counts[name]; });
      renderFilters(shownCounts);
      root.setAttribute("data-state", "done");
      countOpened(); // those opened meanwhile
    }

    function entityFinder() {
      var label = element("label", "search-filter-find");
      label.append(element("span", "visually-hidden", "Find an entity"));
      var box = element("input");
      box.type = "search";
      box.id = "search_filter_entity_find";
      box.placeholder = "Find an entity";
      box.autocomplete = "off";
      box.value = entityQuery;
      box.addEventListener("input", function () {
        entityQuery = box.value;
        narrowEntities();
      });
      label.append(box);
      return label;
    }

    // Said when the text in the finder matches no entity of the list, as the reader types.
    function noEntityFound() {
      var note = element("p", "search-filter-note search-filter-none-found", "No entity matches.");
      note.setAttribute("role", "status");
      note.hidden = true;
      return note;
    }

    function narrowEntities() {
      var wanted = entityQuery.trim().toLocaleLowerCase();
      var found = 0;
      filterGroups.querySelectorAll('[data-filter="entity"] .search-filter-value').forEach(function (item) {
        var box = item.querySelector("input");
        // a ticked entity stays in sight, so that it can be unticked
        item.hidden = wanted !== "" && box.value.toLocaleLowerCase().indexOf(wanted) === -1 && !box.checked;
        if (!item.hidden) found += 1;
      });
      var none = filterGroups.querySelector('[data-filter="entity"] .search-filter-none-found');
      if (none) none.hidden = found > 0;
    }

    // Append the results of `pending` (promises of their data) in order, each
    // as soon as it and those before it have come; false when another search
    // started meanwhile.
    async function appendInOrder(pending, mine) {
      for (var i = 0; i < pending.length; i += 1) {
        var data = await pending[i];
        if (mine !== generation) return false;
        list.append(resultItem(data, term, false));
        shownCount += 1;
      }
      return true;
    }

    async function showMore() {
      var mine = generation;
      more.disabled = true;
      var count = PAGE_SIZE - (shownCount % PAGE_SIZE);
      if (!(await appendInOrder(cursor.each ? cursor.each(count) : await cursor.next(count), mine))) return;
      more.hidden = shownCount >= totalFound;
      more.disabled = false;
      root.setAttribute("data-state", "done");
    }

    // The best results of the first shards, shown while the others load,
    // below the filters' values (their counts to come: shown first, as the
    // results load, so that nothing moves when the counts come); the results
    // stay where they are when the whole search comes in.
    async function showFirst(index, filters, mine) {
      var shards = firstShards(index, filters);
      if (!shards) return [];
      var searching = firstResults(index, term || null, filters, shards, function () { return mine === generation; });
      renderFilters(index.listedValues(), true);
      var results = await searching;
      if (!results || !results.length || mine !== generation) return [];
      var first = results.slice(0, PAGE_SIZE);
      list.replaceChildren();
      shownCount = 0;
      more.hidden = true;
      status.removeAttribute("data-total");
      status.textContent = "Searching the whole archive…";
      if (!(await appendInOrder(first.map(function (result) { return result.data(); }), mine))) return [];
      return first;
    }

    async function run() {
      generation += 1;
      var mine = generation;
      term = input.value.trim();
      var filters = activeFilters();
      var sort = sortSelect.value;
      var url = new URL(window.location.href);
      if (term) url.searchParams.set("q", term); else url.searchParams.delete("q");
      if (sort === "date") url.searchParams.set("sort", "date"); else url.searchParams.delete("sort");
      window.history.replaceState(null, "", url);
      root.setAttribute("data-state", "searching");
      searched = null;
      var index = engine(root.getAttribute("data-bundle-path"), root.getAttribute("data-base-url"));
      await index.read();
      if (!term && !Object.keys(filters).length) {
        var totals = await index.totals();
        if (mine !== generation) return;
        list.replaceChildren();
        more.hidden = true;
        status.textContent = "Type to search the archive.";
        status.removeAttribute("data-total");
        shownCounts = totals || {};
        renderFilters(shownCounts, false, true);
        root.setAttribute("data-state", "done");
        return;
      }
      var shown = sort === "date" ? [] : await showFirst(index, filters, mine);
      if (mine !== generation) return;
      var wanted = function () { return mine === generation; };
      var answer = await searchAll(index, term || null, filters, sort, shown, countedNames(filters), wanted);
      if (!answer || mine !== generation) return;
      var counts = Object.assign({}, answer.counts);
      if (!answer.unloaded.length) remember(term, filters, answer.counts);
      var missing = answer.unloaded.slice();
      if (!(await alternativeCounts(index, term || null, filters, counts, wanted, missing)) || mine !== generation) return;
      noteUnloaded(countedNames(filters), missing);
      cursor = answer.cursor;
      totalFound = answer.total;
      shownCount = shown.length;
      if (shownCount) cursor.skip(shownCount);
      if (!shownCount) list.replaceChildren();
      status.setAttribute("data-total", String(answer.total));
      status.textContent = plural(answer.total, "result") + (term ? " for “" + term + "”" : "");
      searched = { term: term || null, filters: filters };
      shownCounts = counts;
      renderFilters(shownCounts);
      if (shownCount >= PAGE_SIZE) {
        more.hidden = shownCount >= totalFound;
        root.setAttribute("data-state", "done");
      } else {
        await showMore();
      }
      if (mine === generation) countOpened(); // those opened while this search ran
    }

    var timer = null;
    function soon() {
      clearTimeout(timer);
      timer = setTimeout(run, 150);
    }
    input.addEventListener("input", soon);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      run();
    });
    sortSelect.addEventListener("change", run);
    filterGroups.addEventListener("change", function (event) {
      var box = event.target;
      if (!box.classList.contains("search-filter-checkbox")) return;
      selected[box.name] = selected[box.name] || {};
      selected[box.name][box.value] = box.checked;
      run();
    });
    more.addEventListener("click", showMore);
    run();
  }

  // --- the header: live results, the phone menu, "/" -----------------------

  function setUpHeader() {
    var header = document.querySelector(".site-header");
    if (!header) return;
    var menuButton = header.querySelector(".menu-button");
    var nav = header.querySelector(".site-nav");
    var searchButton = header.querySelector(".search-button");
    var form = header.querySelector(".site-search");
    if (menuButton && nav) {
      toggleButton(menuButton, nav.id, function () {
        header.classList.toggle("search-open", false);
        return header.classList.toggle("menu-open");
      });
    }
    if (!form) return;
    var input = form.querySelector("input[type=search]");
    if (searchButton) {
      toggleButton(searchButton, form.id, function () {
        header.classList.toggle("menu-open", false);
        var open = header.classList.toggle("search-open");
        if (open) input.focus();
        return open;
      });
    }
    setUpLiveResults(form, input);
    document.addEventListener("keydown", function (event) {
      if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
      event.preventDefault();
      var page = document.querySelector("#search input[type=search]");
      if (page) {
        page.focus();
        return;
      }
      if (searchButton && window.getComputedStyle(form).display === "none") searchButton.click();
      input.focus();
      input.select();
    });
  }

  function typing(target) {
    return !!(target && target.closest && target.closest("input, textarea, select, [contenteditable]:not([contenteditable=false])"));
  }

  // A link that works without JavaScript, made a toggle button.
  function toggleButton(link, controls, toggle) {
    link.setAttribute("role", "button");
    link.setAttribute("aria-controls", controls);
    link.setAttribute("aria-expanded", "false");
    function act(event) {
      event.preventDefault();
      link.setAttribute("aria-expanded", String(toggle()));
    }
    link.addEventListener("click", act);
    link.addEventListener("keydown", function (event) {
      if (event.key === " ") act(event);
    });
  }

  function setUpLiveResults(form, input) {
    var panel = element("div", "site-search-results");
    panel.id = "site_search_results";
    panel.hidden = true;
    form.append(panel);
    input.setAttribute("aria-controls", panel.id);
    var generation = 0;
    var timer = null;

    function close() {
      panel.hidden = true;
    }

    async function run() {
      generation += 1;
      var mine = generation;
      var term = input.value.trim();
      if (!term) {
        close();
        return;
      }
      var index = engine(form.getAttribute("data-bundle-path"), form.getAttribute("data-base-url"));
      await index.read();
      // Of many shards, the first shards' best results show at once, the
      // count of all of them once every shard has answered.
      var wanted = function () { return mine === generation; };
      var shards = firstShards(index, {});
      var early = shards ? (await firstResults(index, term, {}, shards, wanted)) || [] : [];
      early = early.slice(0, HEADER_RESULTS);
      if (mine !== generation) return;
      if (early.length) {
        var data = await Promise.all(early.map(function (result) { return result.data(); }));
        if (mine !== generation) return;
        show(term, data, null);
      }
      var answer = await searchAll(index, term, {}, "relevance", early, [], wanted);
      if (!answer) return;
      var found = await answer.cursor.next(HEADER_RESULTS);
      if (mine !== generation) return;
      show(term, found, answer.total);
    }

    // The results found, and a link to all of them (`total`: how many, null while counting).
    function show(term, found, total) {
      var list = element("ul", "site-search-list");
      found.forEach(function (data) { list.append(resultItem(data, term, true)); });
      var text = total === null ? "All results for “" + term + "”" : total ? "All " + plural(total, "result") + " for “" + term + "”" : "No results for “" + term + "”";
      var all = element("a", "site-search-all", text);
      all.href = form.getAttribute("action") + "?q=" + encodeURIComponent(term);
      panel.replaceChildren(list, all);
      panel.hidden = false;
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(run, 120);
    });
    input.addEventListener("focus", function () {
      engine(form.getAttribute("data-bundle-path"), form.getAttribute("data-base-url")).read();
      if (input.value.trim() && panel.childNodes.length) {
        panel.hidden = false;
      }
    });
    form.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        close();
        input.focus();
      }
    });
    document.addEventListener("click", function (event) {
      if (!form.contains(event.target)) close();
    });
    form.addEventListener("focusout", function (event) {
      if (event.relatedTarget && !form.contains(event.relatedTarget)) close();
    });
  }

  // --- the searched words, marked on the page a result leads to ----------

  function highlightSearchedWords() {
    var words = (new URLSearchParams(window.location.search).get("highlight") || "")
      .split(/\s+/)
      .filter(function (word) { return word.length > 1; })
      .map(function (word) { return word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); });
    var main = document.getElementById("site_main");
    if (!words.length || !main || document.getElementById("search")) return;
    var pattern = new RegExp("(" + words.join("|") + ")", "gi");
    var walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT, {
      acceptNode: function (node) {
        if (node.parentElement.closest("script, style, mark, [hidden], .sidenote, .term-tip")) return NodeFilter.FILTER_REJECT;
        pattern.lastIndex = 0;
        return pattern.test(node.nodeValue) ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT;
      },
    });
    var nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    nodes.forEach(function (node) {
      var parts = node.nodeValue.split(pattern);
      var fragment = document.createDocumentFragment();
      parts.forEach(function (part, index) {
        if (!part) return;
        fragment.append(index % 2 ? element("mark", "search-highlight", part) : document.createTextNode(part));
      });
      node.replaceWith(fragment);
    });
    var first = main.querySelector("mark.search-highlight");
    if (first && !window.location.hash) first.scrollIntoView({ block: "center" });
  }

  setUpHeader();
  setUpSearchPage();
  highlightSearchedWords();
})();
